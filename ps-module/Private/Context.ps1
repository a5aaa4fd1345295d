# Helpers shared by the context and environment cmdlets: turn the engine's compact JSON into
# objects typed like Az.Accounts' (PSAzureContext, PSAzureEnvironment, ...) and back into the
# small references the engine needs.

$script:AzRsTypeContext = 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext'
$script:AzRsTypeProfile = 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile'
$script:AzRsTypeEnvironment = 'Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment'
$script:AzRsTypeAccount = 'Microsoft.Azure.Commands.Profile.Models.PSAzureRmAccount'
$script:AzRsTypeAutosave = 'Microsoft.Azure.Commands.Common.Authentication.ContextAutosaveSettings'
# Objects built for the last Get-AzContext -ListAvailable, with the engine's generation for them.
$script:AzRsContextListCache = $null

# Type names go through .pstypenames, never .PSObject.TypeNames: the first .PSObject in a process
# builds a member set of PSObject's own .NET members (~16 methods JIT-compiled, 5-15 ms here).
function Add-AzRsTypeName {
    param($InputObject, [string]$TypeName)
    if ($null -ne $InputObject) { $InputObject.pstypenames.Insert(0, $TypeName) }
}

# Az's string forms, so "$($ctx.Account)" reads as it does with Az: an account, tenant or
# subscription is its Id, an environment its Name, a context its type name (PSAzureContext has no
# ToString of its own). Added per object as ToString script methods (a types file in the manifest
# cost the import ~7 ms), through PSObject.Methods read by reflection (see Add-AzRsTypeName).
# Unbound (made from text), so they run in whichever runspace asks; $script:AzRsTypeContexts
# gets them as an argument.
$script:AzRsStringForms = @{
    Methods = [psobject].GetProperty('Methods')
    Id      = [scriptblock]::Create('$this.Id')
    Name    = [scriptblock]::Create('$this.Name')
    Context = [scriptblock]::Create("'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext'")
}

function ConvertTo-AzRsEnvironmentObject {
    param($Environment)
    if ($null -eq $Environment) { return }
    $Environment.pstypenames.Insert(0, $script:AzRsTypeEnvironment)
    $script:AzRsStringForms.Methods.GetValue($Environment).Add([psscriptmethod]::new('ToString', $script:AzRsStringForms.Name))
    $Environment
}

# Types the contexts of an engine result ({default, environments: {name: env}, contexts: [...]})
# in place and returns them; each environment object is typed once and shared by the contexts
# that use it. Inline on purpose: this runs for every context of -ListAvailable and on the first
# sign-in of a session, where each extra function call and PSObject.Properties walk costs
# milliseconds the first time. Unbound (made from text, literal type names) so that
# PSAzureProfile.Context can run it from any runspace, even after the one that signed in is gone.
$script:AzRsTypeContexts = [scriptblock]::Create({
    param($Result, $StringForms)  # $StringForms: $script:AzRsStringForms, which this unbound block cannot see
    if ($null -eq $Result) { return }
    $envs = $Result.environments
    $typed = @{}
    $methods = $StringForms.Methods; $idString = $StringForms.Id
    foreach ($c in $Result.contexts) {
        $c.pstypenames.Insert(0, 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')
        $methods.GetValue($c).Add([psscriptmethod]::new('ToString', $StringForms.Context))
        if ($null -ne $c.Account) { $c.Account.pstypenames.Insert(0, 'Microsoft.Azure.Commands.Profile.Models.PSAzureRmAccount'); $methods.GetValue($c.Account).Add([psscriptmethod]::new('ToString', $idString)) }
        if ($null -ne $c.Subscription) { $c.Subscription.pstypenames.Insert(0, 'Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription'); $methods.GetValue($c.Subscription).Add([psscriptmethod]::new('ToString', $idString)) }
        if ($null -ne $c.Tenant) { $c.Tenant.pstypenames.Insert(0, 'Microsoft.Azure.Commands.Profile.Models.PSAzureTenant'); $methods.GetValue($c.Tenant).Add([psscriptmethod]::new('ToString', $idString)) }
        if ($null -ne $c.Environment) {
            $name = [string]$c.Environment
            $e = $typed[$name]
            if ($null -eq $e -and $null -ne $envs) {
                $e = $envs.$name
                if ($null -ne $e) {
                    $e.pstypenames.Insert(0, 'Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment')
                    $methods.GetValue($e).Add([psscriptmethod]::new('ToString', $StringForms.Name))
                    $typed[$name] = $e
                }
            }
            $c.Environment = $e
        }
        $c
    }
}.ToString())

function ConvertTo-AzRsContextObject {
    param($Result)
    & $script:AzRsTypeContexts $Result $script:AzRsStringForms
}

# PSAzureProfile.Environments (every environment, as Az's IDictionary), read from the engine the
# first time it is looked at, then kept as a plain note property. Connect-AzAccount's output is
# mostly discarded or shown by its view (context columns only), so the sign-in itself does not
# pay for a second engine call and for typing every environment.
$script:AzRsProfileEnvironments = {
    $environments = [ordered]@{}
    foreach ($n in 'AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment') { $environments[$n] = $null }
    foreach ($e in @(Invoke-AzRsNative -Op 'environment.get')) {
        $environments[$e.Name] = ConvertTo-AzRsEnvironmentObject $e
    }
    $properties = $script:AzRsPSObjectProperties.GetValue($this)
    $properties.Remove('Environments')
    $properties.Add([psnoteproperty]::new('Environments', $environments))
    $environments
}

# PSAzureProfile.Context, typed from the engine's result the first time it is looked at. Scripts
# mostly discard Connect-AzAccount's output ($null = ..., | Out-Null), and typing a context is the
# first use of several PowerShell paths (about 20 ms on a first sign-in); the view or a script
# reading .Context pays for it then, once. The raw result waits in a table keyed by the object's
# identity (dropped with it), one per process (AppDomain data), and the getter is unbound: the
# property works from any runspace, even after the one that signed in is gone.
$script:AzRsProfileResults = [AppDomain]::CurrentDomain.GetData('AzRs.ProfileResults')
if ($null -eq $script:AzRsProfileResults) {
    $script:AzRsProfileResults = [System.Runtime.CompilerServices.ConditionalWeakTable[object, object]]::new()
    [AppDomain]::CurrentDomain.SetData('AzRs.ProfileResults', $script:AzRsProfileResults)
}
$script:AzRsProfileContext = [scriptblock]::Create({
    $entry = $null
    if (-not [AppDomain]::CurrentDomain.GetData('AzRs.ProfileResults').TryGetValue($this, [ref]$entry)) { return $null }
    if ($null -ne $entry.Result) {
        foreach ($c in & $entry.Type $entry.Result $entry.StringForms) { if ($null -eq $entry.Context) { $entry.Context = $c } }
        $entry.Result = $null
    }
    $entry.Context
}.ToString())

# PSObject.Properties read through reflection, not .PSObject (see Add-AzRsTypeName): a first
# sign-in JIT-compiles 7 methods for it instead of 16.
$script:AzRsPSObjectProperties = [psobject].GetProperty('Properties')

function ConvertTo-AzRsProfileObject {
    param($Result)
    $profileObject = [pscustomobject]@{ PSTypeName = $script:AzRsTypeProfile }
    $script:AzRsProfileResults.Add($profileObject, @{ Result = $Result; Context = $null; Type = $script:AzRsTypeContexts; StringForms = $script:AzRsStringForms })
    $properties = $script:AzRsPSObjectProperties.GetValue($profileObject)
    $properties.Add([psscriptproperty]::new('Context', $script:AzRsProfileContext))
    $properties.Add([psscriptproperty]::new('Environments', $script:AzRsProfileEnvironments))
    $profileObject
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
