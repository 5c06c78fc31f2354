"""The endpoints the bench drives, by their path templates in the app: four point lookups
and the usage analytics."""

USER_LICENSES = "/v1/customers/{customer_id}/users/{user_id}/licenses"
SUBSCRIBED_SKUS = "/v1/customers/{customer_id}/subscribedskus"
LICENSE_INFO = "/api/v3/customer/{customerGuid}/licenseinfo"
LICENSING_INFORMATION = "/v6/Organizations/{organizationId}/LicensingInformation"
USAGE_ANALYTICS = "/partner/v1/analytics/commercial/usage/license"
