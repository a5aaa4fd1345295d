function Get-AzConfig {
    <#
    .SYNOPSIS
        Gets the configs of Azure PowerShell: the effective value of each key, where it comes from
        (Process, Environment, CurrentUser or Default) and what it applies to.
    .EXAMPLE
        Get-AzConfig -EnableLoginByWam
    #>
    [CmdletBinding()]
    [OutputType('Microsoft.Azure.PowerShell.Common.Config.PSConfig')]
    param(
        [Parameter(HelpMessage = 'Only configs that apply to this: "Az", a module name or a cmdlet name.')]
        [ValidateNotNullOrEmpty()]
        [string]$AppliesTo,

        [Parameter(HelpMessage = 'Only configs whose value comes from this scope.')]
        [ValidateSet('CurrentUser', 'Process', 'Default', 'Environment')]
        [string]$Scope,

        [switch]$CheckForUpgrade,
        [switch]$DefaultSubscriptionForLogin,
        [switch]$DisableInstanceDiscovery,
        [switch]$DisplayBreakingChangeWarning,
        [switch]$DisplayRegionIdentified,
        [switch]$DisplaySecretsWarning,
        [switch]$DisplaySurveyMessage,
        [switch]$EnableDataCollection,
        [switch]$EnableErrorRecordsPersistence,
        [switch]$EnableLoginByWam,
        [switch]$LoginExperienceV2
    )
    $arguments = @{ keys = (Get-AzRsConfigKeysFromSwitches $PSBoundParameters) }
    if ($AppliesTo) { $arguments.appliesTo = $AppliesTo }
    if ($Scope) { $arguments.scope = $Scope }
    $result = Invoke-AzRsNative -Op 'config.get' -Arguments $arguments -Cmdlet $PSCmdlet
    foreach ($warning in $result.warnings) { $PSCmdlet.WriteWarning($warning) }
    ConvertTo-AzRsPSConfig $result.items
}
