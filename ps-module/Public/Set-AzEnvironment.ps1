function Set-AzEnvironment {
    <#
    .SYNOPSIS
        Changes a user-defined Azure environment (the built-in clouds cannot be changed).
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Environment' @args } @args })]
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

        [Parameter(Position = 4)]
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

        [Parameter(Position = 10, ValueFromPipelineByPropertyName)]
        [string]$AzureKeyVaultDnsSuffix,

        [Parameter(Position = 11, ValueFromPipelineByPropertyName)]
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

        [Parameter(Position = 19, ValueFromPipelineByPropertyName)]
        [Alias('DataLakeEndpointResourceId', 'DataLakeResourceId')]
        [string]$DataLakeAudience,

        [Parameter(Position = 20, ValueFromPipelineByPropertyName)]
        [Alias('BatchResourceId', 'BatchAudience')]
        [string]$BatchEndpointResourceId,

        [Parameter(Position = 21, ValueFromPipelineByPropertyName)]
        [string]$AzureOperationalInsightsEndpointResourceId,

        [Parameter(Position = 22, ValueFromPipelineByPropertyName)]
        [string]$AzureOperationalInsightsEndpoint,

        [Parameter(Mandatory = $false)]
        [string]$AzureAnalysisServicesEndpointSuffix,

        [Parameter(Mandatory = $false)]
        [string]$AzureAnalysisServicesEndpointResourceId,

        [Parameter(Mandatory = $false, ValueFromPipelineByPropertyName)]
        [string]$AzureAttestationServiceEndpointSuffix,

        [Parameter(Mandatory = $false, ValueFromPipelineByPropertyName)]
        [string]$AzureAttestationServiceEndpointResourceId,

        [Parameter(Mandatory = $false, ValueFromPipelineByPropertyName)]
        [string]$AzureSynapseAnalyticsEndpointSuffix,

        [Parameter(Mandatory = $false, ValueFromPipelineByPropertyName)]
        [string]$AzureSynapseAnalyticsEndpointResourceId,

        [Parameter(Mandatory = $false, ValueFromPipelineByPropertyName)]
        [string]$ContainerRegistryEndpointSuffix,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$MicrosoftGraphEndpointResourceId,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$MicrosoftGraphUrl,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [string]$SshAuthScope,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )

    process {
        $arguments = @{ name = $Name; mode = 'set'; params = (Get-AzRsEnvironmentParameter -BoundParameters $PSBoundParameters) }
        if ($PSBoundParameters.ContainsKey('Scope')) { $arguments.scope = $Scope }
        if ($PSCmdlet.ParameterSetName -eq 'ARMEndpoint') { $arguments.armEndpoint = $ARMEndpoint }
        if ($PSCmdlet.ShouldProcess($Name, 'setting environment')) {
            $result = Invoke-AzRsNative -Op 'environment.set' -Arguments $arguments -Cmdlet $PSCmdlet
            ConvertTo-AzRsEnvironmentObject $result
        }
    }
}
