# The endpoint parameters of Add/Set-AzEnvironment, as the engine names them (the PowerShell
# parameter names; the engine maps them onto AzureEnvironment properties).
$script:AzRsEnvironmentParameters = @(
    'PublishSettingsFileUrl'
    'ServiceEndpoint'
    'ManagementPortalUrl'
    'StorageEndpoint'
    'ActiveDirectoryEndpoint'
    'ResourceManagerEndpoint'
    'GalleryEndpoint'
    'ActiveDirectoryServiceEndpointResourceId'
    'GraphEndpoint'
    'AzureKeyVaultDnsSuffix'
    'AzureKeyVaultServiceEndpointResourceId'
    'TrafficManagerDnsSuffix'
    'SqlDatabaseDnsSuffix'
    'AzureDataLakeStoreFileSystemEndpointSuffix'
    'AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix'
    'EnableAdfsAuthentication'
    'AdTenant'
    'GraphAudience'
    'DataLakeAudience'
    'BatchEndpointResourceId'
    'AzureOperationalInsightsEndpointResourceId'
    'AzureOperationalInsightsEndpoint'
    'AzureAnalysisServicesEndpointSuffix'
    'AzureAnalysisServicesEndpointResourceId'
    'AzureAttestationServiceEndpointSuffix'
    'AzureAttestationServiceEndpointResourceId'
    'AzureSynapseAnalyticsEndpointSuffix'
    'AzureSynapseAnalyticsEndpointResourceId'
    'ContainerRegistryEndpointSuffix'
    'MicrosoftGraphEndpointResourceId'
    'MicrosoftGraphUrl'
    'SshAuthScope'
)

function Get-AzRsEnvironmentParameter {
    param($BoundParameters)
    $params = [ordered]@{}
    foreach ($n in $script:AzRsEnvironmentParameters) {
        if (-not $BoundParameters.ContainsKey($n)) { continue }
        $v = $BoundParameters[$n]
        if ($v -is [System.Management.Automation.SwitchParameter]) { $params[$n] = [bool]$v }
        elseif ($null -eq $v) { $params[$n] = $null }
        else { $params[$n] = [string]$v }
    }
    return $params
}
