"""Account-status notifications in, alerts out: SQS intake, the subscription set-up, alert delivery.

- ``tables.py``  the raw and ops tables this package writes (``raw.notifications`` and the rest);
- ``queue.py``   which SQS queue (live settings, or the sandbox's local one) and a boto3 client for it;
- ``setup.py``   destination + subscriptions through python-amazon-sp-api, recorded subscription -> account;
- ``intake.py``  receive -> record (committed) -> delete; malformed messages kept aside;
- ``alerts.py``  reading ``marts.fct_alerts`` for people: open alerts, acknowledgements;
- ``delivery.py`` Apprise delivery with retries; every attempt logged, no secret in any text.
"""
