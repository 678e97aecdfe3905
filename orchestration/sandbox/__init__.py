"""Local SP-API emulator (LWA, Reports API 2021-06-30, Notifications API v1 publishing to a local SQS)
and its deterministic synthetic seller world.

The default for every run without credentials: the extractor talks to it over real HTTP with the
same client code it uses against Amazon. ``World`` is also the ground truth tests compare against.
"""

from orchestration.sandbox.faults import Fault, FaultPlan
from orchestration.sandbox.server import SandboxServer, serve_forever
from orchestration.sandbox.world import SandboxAccount, World, WorldConfig

__all__ = ["Fault", "FaultPlan", "SandboxAccount", "SandboxServer", "World", "WorldConfig", "serve_forever"]
