{#
    What the V2 seller performance report (accountHealthReport-2020-11-18) contains, as data the
    staging models loop over. Keys not listed here are ignored (never an error), so Amazon adding a
    key breaks nothing; listing it here is how the warehouse starts reading it.

    spapi_rate_metrics(): one entry per metric row produced from a rate object.
      keys         the spellings Amazon uses for the object (schema name first, then the variants
                   seen in Amazon's own examples and live data); the first has priority when a
                   document carries two spellings.
      metric_name  snake_case of the schema's key; ODR/invoice components get a suffix.
      channel      fulfillment channel: 'split' when the object holds `mfn` / `afn` sub-objects,
                   else the channel Amazon defines the metric on (docs/amazon.md, metric definitions).
      numerator / denominator  JSON paths of the counts inside the object.
      value        JSON path of Amazon's rate (NULL for components: computed from the counts).
      status       JSON path of Amazon's status for the row.
      has_target   whether targetValue / targetCondition of the object apply to the row.
#}
{% macro spapi_rate_metrics() %}
    {{ return([
        {'keys': ['orderDefectRate'], 'metric_name': 'order_defect_rate', 'channel': 'split',
         'numerator': '$.orderWithDefects.count', 'denominator': '$.orderCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['orderDefectRate'], 'metric_name': 'order_defect_rate_claims', 'channel': 'split',
         'numerator': '$.claims.count', 'denominator': '$.orderCount',
         'value': none, 'status': '$.claims.status', 'has_target': false},
        {'keys': ['orderDefectRate'], 'metric_name': 'order_defect_rate_chargebacks', 'channel': 'split',
         'numerator': '$.chargebacks.count', 'denominator': '$.orderCount',
         'value': none, 'status': '$.chargebacks.status', 'has_target': false},
        {'keys': ['orderDefectRate'], 'metric_name': 'order_defect_rate_negative_feedback', 'channel': 'split',
         'numerator': '$.negativeFeedback.count', 'denominator': '$.orderCount',
         'value': none, 'status': '$.negativeFeedback.status', 'has_target': false},
        {'keys': ['lateShipmentRate', 'lateShipmentRateList'], 'metric_name': 'late_shipment_rate', 'channel': 'MFN',
         'numerator': '$.lateShipmentCount', 'denominator': '$.orderCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['preFulfillmentCancellationRate', 'prefulfillmentCancelRate'],
         'metric_name': 'pre_fulfillment_cancellation_rate', 'channel': 'MFN',
         'numerator': '$.cancellationCount', 'denominator': '$.orderCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['validTrackingRate'], 'metric_name': 'valid_tracking_rate', 'channel': 'MFN',
         'numerator': '$.validTrackingCount', 'denominator': '$.shipmentCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['onTimeDeliveryRate'], 'metric_name': 'on_time_delivery_rate', 'channel': 'MFN',
         'numerator': '$.onTimeDeliveryCount', 'denominator': '$.shipmentCountWithValidTracking',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['unitOnTimeDeliveryRate'], 'metric_name': 'unit_on_time_delivery_rate', 'channel': 'MFN',
         'numerator': '$.unitOnTimeDeliveryCount', 'denominator': '$.totalUnitCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['invoiceDefectRate'], 'metric_name': 'invoice_defect_rate', 'channel': 'ALL',
         'numerator': '$.invoiceDefect.count', 'denominator': '$.orderCount',
         'value': '$.rate', 'status': '$.status', 'has_target': true},
        {'keys': ['invoiceDefectRate'], 'metric_name': 'invoice_defect_rate_missing_invoice', 'channel': 'ALL',
         'numerator': '$.missingInvoice.count', 'denominator': '$.orderCount',
         'value': none, 'status': '$.missingInvoice.status', 'has_target': false},
        {'keys': ['invoiceDefectRate'], 'metric_name': 'invoice_defect_rate_late_invoice', 'channel': 'ALL',
         'numerator': '$.lateInvoice.count', 'denominator': '$.orderCount',
         'value': none, 'status': '$.lateInvoice.status', 'has_target': false},
    ]) }}
{% endmacro %}

{#
    Policy-violation categories (schema type ListingLevelViolation, `defectsCount`): Amazon key ->
    the spellings seen. Any other object that carries `defectsCount` is read as a category too,
    under the snake_case of its key, so a new category shows up instead of vanishing.
#}
{% macro spapi_policy_categories() %}
    {{ return({
        'listingPolicyViolations': ['listingPolicyViolations'],
        'productAuthenticityCustomerComplaints': ['productAuthenticityCustomerComplaints'],
        'productConditionCustomerComplaints': ['productConditionCustomerComplaints'],
        'productSafetyCustomerComplaints': ['productSafetyCustomerComplaints'],
        'receivedIntellectualPropertyComplaints': ['receivedIntellectualPropertyComplaints'],
        'restrictedProductPolicyViolations': ['restrictedProductPolicyViolations'],
        'suspectedIntellectualPropertyViolations': ['suspectedIntellectualPropertyViolations'],
        'foodAndProductSafetyIssues': ['foodAndProductSafetyIssues'],
        'otherPolicyViolations': ['otherPolicyViolations'],
        'documentRequests': ['documentRequests', 'documentRequest'],
        'customerProductReviewsPolicyViolations': ['customerProductReviewsPolicyViolations'],
    }) }}
{% endmacro %}

{# snake_case of a camelCase SQL string expression: listingPolicyViolations -> listing_policy_violations #}
{% macro snake_case(expression) -%}
    lower(regexp_replace({{ expression }}, '([a-z0-9])([A-Z])', '\1_\2', 'g'))
{%- endmacro %}
