function Get-AzContext {
    <#
    .SYNOPSIS
        Gets the current Azure context (account, tenant, subscription, environment), one by name,
        or all saved contexts (-ListAvailable).
    #>
    [CmdletBinding(DefaultParameterSetName = 'GetSingleContext')]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
    param(
        [Parameter(ParameterSetName = 'GetSingleContext', Position = 0)]
        [string]$Name,

        [Parameter(ParameterSetName = 'ListAllContexts', Mandatory)]
        [switch]$ListAvailable,

        # TODO(sign-in): rebuild contexts from the token cache's accounts. Accepted, no effect yet.
        [Parameter(ParameterSetName = 'ListAllContexts')]
        [switch]$RefreshContextFromTokenCache,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    $arguments = @{ listAvailable = [bool]$ListAvailable }
    if ($Name) { $arguments.name = $Name }
    $result = Invoke-AzRsNative -Op 'context.get' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError:([bool]$Name)
    ConvertTo-AzRsContextObject $result
}
