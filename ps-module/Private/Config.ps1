# Shared by the *-AzConfig cmdlets: the key list (one place) and the PSConfig output object.

# Every config key, in Az's order; each cmdlet has one parameter per key with this name.
$script:AzRsConfigKeys = @(
    'CheckForUpgrade', 'DefaultSubscriptionForLogin', 'DisableInstanceDiscovery', 'DisplayBreakingChangeWarning',
    'DisplayRegionIdentified', 'DisplaySecretsWarning', 'DisplaySurveyMessage', 'EnableDataCollection',
    'EnableErrorRecordsPersistence', 'EnableLoginByWam', 'LoginExperienceV2')

function ConvertTo-AzRsPSConfig {
    # Engine rows {key, value, appliesTo, scope, helpMessage, defaultValue} -> Az's PSConfig
    # objects, all in one call (a function call per row would cost more than the rows).
    param($Items)
    foreach ($item in $Items) {
        $config = [pscustomobject]@{
            PSTypeName   = 'Microsoft.Azure.PowerShell.Common.Config.PSConfig'
            Key          = [string]$item.key
            Value        = $item.value
            AppliesTo    = [string]$item.appliesTo
            Scope        = [string]$item.scope
            HelpMessage  = [string]$item.helpMessage
            DefaultValue = $item.defaultValue
        }
        # The type names Az's docs and source use, so views and scripts that check either still match.
        $config.pstypenames.Insert(1, 'Microsoft.Azure.Commands.Profile.Models.PSConfig')
        $config.pstypenames.Insert(2, 'Microsoft.Azure.Commands.Common.Authentication.Config.PSConfig')
        $config
    }
}

function Get-AzRsConfigKeysFromSwitches {
    # The keys whose switch parameter is present (Get-AzConfig, Clear-AzConfig).
    param([hashtable]$Bound)
    $keys = [System.Collections.Generic.List[string]]::new()
    foreach ($key in $script:AzRsConfigKeys) {
        if ($Bound.ContainsKey($key) -and [bool]$Bound[$key]) { $keys.Add($key) }
    }
    return , $keys.ToArray()
}
