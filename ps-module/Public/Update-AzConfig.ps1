function Update-AzConfig {
    <#
    .SYNOPSIS
        Updates the configs of Azure PowerShell (stored in ~/.Azure/PSConfig.json, or for this process only).
    .DESCRIPTION
        Sets one or more config keys. -Scope CurrentUser (default) writes PSConfig.json, shared with
        Az.Accounts; -Scope Process keeps the value in this process. -AppliesTo is "Az" (default), a
        module name (Az.KeyVault) or a cmdlet name (Get-AzKeyVault); some keys apply to "Az" only.
    .EXAMPLE
        Update-AzConfig -DefaultSubscriptionForLogin 'Contoso Prod'
    .EXAMPLE
        Update-AzConfig -DisplayBreakingChangeWarning $false -AppliesTo Az.KeyVault
    #>
    [Alias('Set-AzConfig')]
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('Microsoft.Azure.PowerShell.Common.Config.PSConfig')]
    param(
        [Parameter(HelpMessage = 'Specifies what part of Azure PowerShell the config applies to: "Az", a module name such as "Az.Storage", or a cmdlet name such as "Get-AzKeyVault". Defaults to "Az" when updating.')]
        [ValidateNotNullOrEmpty()]
        [string]$AppliesTo,

        [Parameter(HelpMessage = 'Determines the scope of config changes: CurrentUser (all sessions of this user, the default) or Process (this process only).')]
        [ValidateSet('CurrentUser', 'Process', 'Default', 'Environment')]
        [string]$Scope = 'CurrentUser',

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, Azure PowerShell will check for updates automatically and display a hint message when an update is available. The default value is true.')]
        [bool]$CheckForUpgrade,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'Subscription name or GUID. Sets the default context for Azure PowerShell when logging in without specifying a subscription.')]
        [string]$DefaultSubscriptionForLogin,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'Set it to true to disable both instance discovery and authority validation.')]
        [bool]$DisableInstanceDiscovery,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'Controls if warning messages for breaking changes are displayed or suppressed.')]
        [bool]$DisplayBreakingChangeWarning,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, Azure PowerShell displays recommendations on regions which may reduce your costs.')]
        [bool]$DisplayRegionIdentified,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, a warning message will be displayed when the cmdlet output contains secrets.')]
        [bool]$DisplaySecretsWarning,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, you are prompted infrequently to participate in user experience surveys for Azure PowerShell.')]
        [bool]$DisplaySurveyMessage,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, Azure PowerShell cmdlets send telemetry data to Microsoft to improve the customer experience.')]
        [bool]$EnableDataCollection,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = 'When enabled, error records will be written to ~/.Azure/ErrorRecords.')]
        [bool]$EnableErrorRecordsPersistence,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = '[Preview] When enabled, Web Account Manager (WAM) will be the default interactive login experience.')]
        [bool]$EnableLoginByWam,

        [Parameter(ValueFromPipelineByPropertyName = $true, HelpMessage = "Only active when authenticating interactively, allows the user to choose the subscription and tenant used in subsequent commands. 'On' (default) or 'Off'.")]
        [ValidateSet('On', 'Off')]
        [string]$LoginExperienceV2
    )
    process {
        $values = [ordered]@{}
        foreach ($key in $script:AzRsConfigKeys) {
            if ($PSBoundParameters.ContainsKey($key)) { $values[$key] = $PSBoundParameters[$key] }
        }
        if ($values.Count -eq 0) {
            $PSCmdlet.WriteWarning("Please specify the key(s) of the configs to update. Run ``help $($MyInvocation.MyCommand.Name)`` for more information.")
            return
        }
        $target = 'Az'
        if ($AppliesTo) { $target = $AppliesTo }
        $action = "Update the configs that apply to `"$target`" by the following keys: $(@($values.Keys) -join ', ')."
        if (-not $PSCmdlet.ShouldProcess("Configs in scope $Scope", $action)) { return }
        $arguments = @{ values = $values; appliesTo = $target; scope = $Scope }
        $result = Invoke-AzRsNative -Op 'config.update' -Arguments $arguments -Cmdlet $PSCmdlet
        ConvertTo-AzRsPSConfig $result.items
    }
}
