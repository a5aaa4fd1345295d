function Add-AzEnvironment {
    <#
    .SYNOPSIS
        Adds an Azure environment (cloud): from endpoint values, from an Azure Stack ARM endpoint
        (-ARMEndpoint, reads {arm}/metadata/endpoints?api-version=1.0) or by discovery (-AutoDiscover).
    .DESCRIPTION
        User-defined environments are saved in AzureRmContext.json's EnvironmentTable (CurrentUser
        scope); discovered ones last for this session, as in Az.Accounts.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment')]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0, Mandatory, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 0, Mandatory, ValueFromPipelineByPropertyName)]
        [string]$Name,

        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 1, Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('ArmUrl')]
        [string]$ARMEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 1, ValueFromPipelineByPropertyName)]
        [string]$PublishSettingsFileUrl,

        [Parameter(ParameterSetName = 'Name', Position = 2, ValueFromPipelineByPropertyName)]
        [Alias('ServiceManagement', 'ServiceManagementUrl')]
        [string]$ServiceEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 3, ValueFromPipelineByPropertyName)]
        [string]$ManagementPortalUrl,

        [Parameter(ParameterSetName = 'Name', Position = 4)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 4)]
        [Alias('StorageEndpointSuffix')]
        [string]$StorageEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 5, ValueFromPipelineByPropertyName)]
        [Alias('AdEndpointUrl', 'ActiveDirectory', 'ActiveDirectoryAuthority')]
        [string]$ActiveDirectoryEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 6, ValueFromPipelineByPropertyName)]
        [Alias('ResourceManager', 'ResourceManagerUrl')]
        [string]$ResourceManagerEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 7, ValueFromPipelineByPropertyName)]
        [Alias('Gallery', 'GalleryUrl')]
        [string]$GalleryEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 8, ValueFromPipelineByPropertyName)]
        [string]$ActiveDirectoryServiceEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', Position = 9, ValueFromPipelineByPropertyName)]
        [Alias('Graph', 'GraphUrl')]
        [string]$GraphEndpoint,

        [Parameter(ParameterSetName = 'Name', Position = 10, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 10, ValueFromPipelineByPropertyName)]
        [string]$AzureKeyVaultDnsSuffix,

        [Parameter(ParameterSetName = 'Name', Position = 11, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 11, ValueFromPipelineByPropertyName)]
        [string]$AzureKeyVaultServiceEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', Position = 12, ValueFromPipelineByPropertyName)]
        [string]$TrafficManagerDnsSuffix,

        [Parameter(ParameterSetName = 'Name', Position = 13, ValueFromPipelineByPropertyName)]
        [string]$SqlDatabaseDnsSuffix,

        [Parameter(ParameterSetName = 'Name', Position = 14, ValueFromPipelineByPropertyName)]
        [string]$AzureDataLakeStoreFileSystemEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', Position = 15, ValueFromPipelineByPropertyName)]
        [string]$AzureDataLakeAnalyticsCatalogAndJobEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', Position = 16, ValueFromPipelineByPropertyName)]
        [Alias('OnPremise')]
        [switch]$EnableAdfsAuthentication,

        [Parameter(ParameterSetName = 'Name', Position = 17, ValueFromPipelineByPropertyName)]
        [string]$AdTenant,

        [Parameter(ParameterSetName = 'Name', Position = 18, ValueFromPipelineByPropertyName)]
        [Alias('GraphEndpointResourceId', 'GraphResourceId')]
        [string]$GraphAudience,

        [Parameter(ParameterSetName = 'Name', Position = 19, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 19, ValueFromPipelineByPropertyName)]
        [Alias('DataLakeEndpointResourceId', 'DataLakeResourceId')]
        [string]$DataLakeAudience,

        [Parameter(ParameterSetName = 'Name', Position = 20, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 20, ValueFromPipelineByPropertyName)]
        [Alias('BatchResourceId', 'BatchAudience')]
        [string]$BatchEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', Position = 21, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 21, ValueFromPipelineByPropertyName)]
        [string]$AzureOperationalInsightsEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', Position = 22, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', Position = 22, ValueFromPipelineByPropertyName)]
        [string]$AzureOperationalInsightsEndpoint,

        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'ARMEndpoint')]
        [string]$AzureAnalysisServicesEndpointSuffix,

        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'ARMEndpoint')]
        [string]$AzureAnalysisServicesEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', ValueFromPipelineByPropertyName)]
        [string]$AzureAttestationServiceEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', ValueFromPipelineByPropertyName)]
        [string]$AzureAttestationServiceEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', ValueFromPipelineByPropertyName)]
        [string]$AzureSynapseAnalyticsEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', ValueFromPipelineByPropertyName)]
        [string]$AzureSynapseAnalyticsEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ARMEndpoint', ValueFromPipelineByPropertyName)]
        [string]$ContainerRegistryEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$MicrosoftGraphEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$MicrosoftGraphUrl,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$SshAuthScope,

        [Parameter(ParameterSetName = 'Discovery', Mandatory)]
        [switch]$AutoDiscover,

        [Parameter(ParameterSetName = 'Discovery')]
        [uri]$Uri,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Discovery') {
            $arguments = @{}
            if ($Uri) { $arguments.uri = $Uri.AbsoluteUri }
            if ($PSBoundParameters.ContainsKey('Scope')) { $arguments.scope = $Scope }
            if ($PSCmdlet.ShouldProcess('environments', 'discover')) {
                foreach ($e in @(Invoke-AzRsNative -Op 'environment.discover' -Arguments $arguments -Cmdlet $PSCmdlet)) {
                    ConvertTo-AzRsEnvironmentObject $e
                }
            }
            return
        }
        $arguments = @{ name = $Name; mode = 'add'; params = (Get-AzRsEnvironmentParameter -BoundParameters $PSBoundParameters) }
        if ($PSBoundParameters.ContainsKey('Scope')) { $arguments.scope = $Scope }
        if ($PSCmdlet.ParameterSetName -eq 'ARMEndpoint') { $arguments.armEndpoint = $ARMEndpoint }
        if ($PSCmdlet.ShouldProcess($Name, 'adding environment')) {
            $result = Invoke-AzRsNative -Op 'environment.set' -Arguments $arguments -Cmdlet $PSCmdlet
            ConvertTo-AzRsEnvironmentObject $result
        }
    }
}
