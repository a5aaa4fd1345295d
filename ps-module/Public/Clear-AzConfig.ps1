function Clear-AzConfig {
    <#
    .SYNOPSIS
        Clears configs: the keys named by switches, or all of them (asks first unless -Force).
    .EXAMPLE
        Clear-AzConfig -EnableLoginByWam
    .EXAMPLE
        Clear-AzConfig -Scope Process -Force
    #>
    [CmdletBinding(DefaultParameterSetName = 'ClearAll', SupportsShouldProcess = $true)]
    [OutputType([bool])]
    param(
        [Parameter(HelpMessage = 'Only configs that apply to this: "Az", a module name or a cmdlet name. Default: any.')]
        [ValidateNotNullOrEmpty()]
        [string]$AppliesTo,

        [ValidateSet('CurrentUser', 'Process', 'Default', 'Environment')]
        [string]$Scope = 'CurrentUser',

        [Parameter(ParameterSetName = 'ClearAll', HelpMessage = 'Do not ask for confirmation when clearing all configs.')]
        [switch]$Force,

        [Parameter(HelpMessage = 'Returns true if cmdlet executes correctly.')]
        [switch]$PassThru,

        [Parameter(ParameterSetName = 'ClearByKey')][switch]$CheckForUpgrade,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DefaultSubscriptionForLogin,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DisableInstanceDiscovery,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DisplayBreakingChangeWarning,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DisplayRegionIdentified,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DisplaySecretsWarning,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$DisplaySurveyMessage,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$EnableDataCollection,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$EnableErrorRecordsPersistence,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$EnableLoginByWam,
        [Parameter(ParameterSetName = 'ClearByKey')][switch]$LoginExperienceV2
    )
    $target = "Configs in scope $Scope"
    $arguments = @{ appliesTo = $AppliesTo; scope = $Scope }
    if ($PSCmdlet.ParameterSetName -eq 'ClearByKey') {
        $keys = Get-AzRsConfigKeysFromSwitches $PSBoundParameters
        if ($keys.Count -eq 0) {
            $PSCmdlet.WriteWarning("Please specify the key(s) of the configs to clear. Run ``help $($MyInvocation.MyCommand.Name)`` for more information.")
            return
        }
        if (-not $PSCmdlet.ShouldProcess($target, "Clear the configs that apply to `"$AppliesTo`" by the following keys: $($keys -join ', ').")) { return }
        $arguments.keys = $keys
    }
    else {
        $question = "Clear all the configs that apply to `"$AppliesTo`" in scope $Scope?"
        if (-not $PSCmdlet.ShouldProcess($target, $question)) { return }
        if (-not ($Force -or $PSCmdlet.ShouldContinue($question, ''))) { return }
    }
    $null = Invoke-AzRsNative -Op 'config.clear' -Arguments $arguments -Cmdlet $PSCmdlet
    if ($PassThru) { $true }
}
