# Helpers shared by the context and environment cmdlets: turn the engine's compact JSON into
# objects typed like Az.Accounts' (PSAzureContext, PSAzureEnvironment, ...) and back into the
# small references the engine needs.

$script:AzRsTypeContext = 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext'
$script:AzRsTypeProfile = 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile'
$script:AzRsTypeEnvironment = 'Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment'
$script:AzRsTypeAccount = 'Microsoft.Azure.Commands.Profile.Models.PSAzureRmAccount'
$script:AzRsTypeSubscription = 'Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription'
$script:AzRsTypeTenant = 'Microsoft.Azure.Commands.Profile.Models.PSAzureTenant'
$script:AzRsTypeAutosave = 'Microsoft.Azure.Commands.Common.Authentication.ContextAutosaveSettings'
# Objects built for the last Get-AzContext -ListAvailable, with the engine's generation for them.
$script:AzRsContextListCache = $null

function Add-AzRsTypeName {
    param($InputObject, [string]$TypeName)
    if ($null -ne $InputObject) { $InputObject.PSObject.TypeNames.Insert(0, $TypeName) }
}

function ConvertTo-AzRsEnvironmentObject {
    param($Environment)
    Add-AzRsTypeName $Environment $script:AzRsTypeEnvironment
    $Environment
}

function ConvertTo-AzRsContextObject {
    # $Result: {default, environments: {name: env}, contexts: [...]} from the engine. Each
    # environment object is built once and shared by the contexts that use it.
    param($Result)
    if ($null -eq $Result) { return }
    $envs = @{}
    if ($null -ne $Result.environments) {
        foreach ($p in $Result.environments.PSObject.Properties) {
            $envs[$p.Name] = ConvertTo-AzRsEnvironmentObject $p.Value
        }
    }
    foreach ($c in $Result.contexts) {
        $c.PSObject.TypeNames.Insert(0, $script:AzRsTypeContext)
        if ($null -ne $c.Account) { $c.Account.PSObject.TypeNames.Insert(0, $script:AzRsTypeAccount) }
        if ($null -ne $c.Subscription) { $c.Subscription.PSObject.TypeNames.Insert(0, $script:AzRsTypeSubscription) }
        if ($null -ne $c.Tenant) { $c.Tenant.PSObject.TypeNames.Insert(0, $script:AzRsTypeTenant) }
        if ($null -ne $c.Environment) { $c.Environment = $envs[[string]$c.Environment] }
        $c
    }
}

function ConvertTo-AzRsProfileObject {
    param($Result)
    $context = @(ConvertTo-AzRsContextObject $Result)
    $environments = [ordered]@{}
    foreach ($n in 'AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment') { $environments[$n] = $null }
    foreach ($e in @(Invoke-AzRsNative -Op 'environment.get')) {
        $environments[$e.Name] = ConvertTo-AzRsEnvironmentObject $e
    }
    $ctx = $null
    if ($context.Count -gt 0) { $ctx = $context[0] }
    [pscustomobject]@{
        PSTypeName   = $script:AzRsTypeProfile
        Context      = $ctx
        Environments = $environments
    }
}

function Get-AzRsContextReference {
    # What the engine needs to find a PSAzureContext from the pipeline: its name and ids.
    param($Context)
    $ref = @{}
    if ($null -eq $Context) { return $ref }
    if ($Context.Name) { $ref.name = [string]$Context.Name }
    if ($Context.Account -and $Context.Account.Id) { $ref.accountId = [string]$Context.Account.Id }
    if ($Context.Tenant -and $Context.Tenant.Id) { $ref.tenantId = [string]$Context.Tenant.Id }
    if ($Context.Subscription -and $Context.Subscription.Id) { $ref.subscriptionId = [string]$Context.Subscription.Id }
    return $ref
}

function Get-AzRsScopeArgument {
    # -Scope as the engine expects it; $null lets the engine use the autosave mode.
    param($BoundParameters)
    if ($BoundParameters.ContainsKey('Scope')) { return [string]$BoundParameters['Scope'] }
    return $null
}

function Resolve-AzRsPath {
    # A path relative to the PowerShell location (not the process directory), like Az does.
    param([string]$Path, [System.Management.Automation.PSCmdlet]$Cmdlet)
    return $Cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}
