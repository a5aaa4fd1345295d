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
    $cache = $script:AzRsContextListCache
    if ($ListAvailable -and $null -ne $cache) { $arguments.since = $cache.Generation }
    $result = Invoke-AzRsNative -Op 'context.get' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError:([bool]$Name)
    if ($null -eq $result) { return }
    if ($result.unchanged) {
        # Same contexts as last time: hand out copies of the objects already built.
        foreach ($c in $cache.Contexts) { $c.PSObject.Copy() }
        return
    }
    $contexts = @(ConvertTo-AzRsContextObject $result)
    if ($ListAvailable) {
        $script:AzRsContextListCache = @{ Generation = $result.generation; Contexts = $contexts }
        foreach ($c in $contexts) { $c.PSObject.Copy() }
        return
    }
    $contexts
}
