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
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Context' @args } @args })]
        [string]$Name,

        [Parameter(ParameterSetName = 'ListAllContexts', Mandatory)]
        [switch]$ListAvailable,

        # Adds contexts for accounts found in the shared token cache (other sessions, Az.Accounts).
        [Parameter(ParameterSetName = 'ListAllContexts')]
        [switch]$RefreshContextFromTokenCache,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    if ($RefreshContextFromTokenCache) { $null = Invoke-AzRsNative -Op 'auth.refreshContexts' -Cmdlet $PSCmdlet }
    $arguments = @{ listAvailable = [bool]$ListAvailable }
    if ($Name) { $arguments.name = $Name }
    $cache = $script:AzRsContextListCache
    if ($ListAvailable -and $null -ne $cache) { $arguments.since = $cache.Generation }
    $result = Invoke-AzRsNative -Op 'context.get' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError:([bool]$Name)
    if ($null -eq $result) { return }
    if ($result.unchanged) {
        # Same contexts as last time: hand out the objects already built (rebuilding 1,000 costs
        # ~100 ms; they are shared until the contexts change, so treat them as read-only).
        $PSCmdlet.WriteObject($cache.Contexts, $true)
        return
    }
    $contexts = @(ConvertTo-AzRsContextObject $result)
    if ($ListAvailable) {
        $script:AzRsContextListCache = @{ Generation = $result.generation; Contexts = $contexts }
    }
    $PSCmdlet.WriteObject($contexts, $true)
}
