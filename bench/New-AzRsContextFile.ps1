<#
.SYNOPSIS
    Writes an Az-shaped AzureRmContext.json with -Count user contexts (about 3.3 KB each, so 1,000
    make ~3 MB), as Az.Accounts writes it: UTF-8 BOM, 2-space indentation, LF.
    Used by bench/contexts.ps1 and the kill test.
#>
param(
    [Parameter(Mandatory)][string]$Path,
    [int]$Count = 1000
)
$tenant = '72f988bf-0000-0000-0000-000000000000'
$envJson = @'
{
        "Name": "AzureCloud",
        "Type": "Built-in",
        "OnPremise": false,
        "ServiceManagementUrl": "https://management.core.windows.net/",
        "ResourceManagerUrl": "https://management.azure.com/",
        "ManagementPortalUrl": "https://portal.azure.com/",
        "PublishSettingsFileUrl": "https://go.microsoft.com/fwlink/?LinkID=301775",
        "ActiveDirectoryAuthority": "https://login.microsoftonline.com/",
        "GalleryUrl": "https://gallery.azure.com/",
        "GraphUrl": "https://graph.windows.net/",
        "ActiveDirectoryServiceEndpointResourceId": "https://management.core.windows.net/",
        "StorageEndpointSuffix": "core.windows.net",
        "SqlDatabaseDnsSuffix": ".database.windows.net",
        "TrafficManagerDnsSuffix": "trafficmanager.net",
        "AzureKeyVaultDnsSuffix": "vault.azure.net",
        "AzureKeyVaultServiceEndpointResourceId": "https://vault.azure.net",
        "GraphEndpointResourceId": "https://graph.windows.net/",
        "DataLakeEndpointResourceId": "https://datalake.azure.net/",
        "BatchEndpointResourceId": "https://batch.core.windows.net/",
        "AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix": "azuredatalakeanalytics.net",
        "AzureDataLakeStoreFileSystemEndpointSuffix": "azuredatalakestore.net",
        "AdTenant": "Common",
        "ContainerRegistryEndpointSuffix": "azurecr.io",
        "VersionProfiles": [],
        "ExtendedProperties": {
          "MicrosoftGraphUrl": "https://graph.microsoft.com",
          "MicrosoftGraphEndpointResourceId": "https://graph.microsoft.com/",
          "OperationalInsightsEndpoint": "https://api.loganalytics.io/v1",
          "OperationalInsightsEndpointResourceId": "https://api.loganalytics.io"
        }
      }
'@ -replace "`r`n", "`n"
$sb = [System.Text.StringBuilder]::new(3500 * $Count + 1024)
$first = $null
$entries = for ($i = 0; $i -lt $Count; $i++) {
    $sub = '{0:x8}-0000-4000-8000-{1:x12}' -f $i, $i
    $user = "user{0}@contoso.com" -f ($i % 7)
    $name = "Subscription $i ($sub) - $tenant - $user"
    if ($null -eq $first) { $first = $name }
    @"
    "$name": {
      "Account": {
        "Id": "$user",
        "Credential": null,
        "Type": "User",
        "TenantMap": {},
        "ExtendedProperties": {
          "Tenants": "$tenant",
          "HomeAccountId": "0d2c5c3e-0000-0000-0000-00000000000$($i % 7).$tenant",
          "Subscriptions": "$sub"
        }
      },
      "Tenant": {
        "Id": "$tenant",
        "Directory": null,
        "IsHome": true,
        "ExtendedProperties": {
          "TenantCategory": "Home",
          "DisplayName": "Contoso",
          "Domains": "contoso.com,contoso.onmicrosoft.com",
          "DefaultDomain": "contoso.onmicrosoft.com",
          "TenantType": "AAD"
        }
      },
      "Subscription": {
        "Id": "$sub",
        "Name": "Subscription $i",
        "State": "Enabled",
        "ExtendedProperties": {
          "SubscriptionPolices": "{\"locationPlacementId\":\"Public_2014-09-01\",\"quotaId\":\"EnterpriseAgreement_2014-09-01\",\"spendingLimit\":\"Off\"}",
          "AuthorizationSource": "RoleBased",
          "HomeTenant": "$tenant",
          "Environment": "AzureCloud",
          "Tenants": "$tenant",
          "Account": "$user"
        }
      },
      "Environment": $envJson,
      "VersionProfile": null,
      "TokenCache": {
        "CacheData": null
      },
      "ExtendedProperties": {}
    }
"@ -replace "`r`n", "`n"
}
$null = $sb.Append("{`n  `"DefaultContextKey`": `"$first`",`n  `"EnvironmentTable`": {},`n  `"Contexts`": {`n")
$null = $sb.Append(($entries -join ",`n")).Append("`n  },`n  `"ExtendedProperties`": {}`n}")
$dir = Split-Path -Parent $Path
if ($dir -and -not (Test-Path $dir)) { $null = New-Item -ItemType Directory -Path $dir -Force }
[System.IO.File]::WriteAllText($Path, $sb.ToString(), [System.Text.UTF8Encoding]::new($true))
