function Set-AzContext {
    <#
    .SYNOPSIS
        Sets the current context: a saved context, or the saved context of a subscription (name or
        id) or tenant (id or domain). -Name saves it under that name; -ExtendedProperty adds properties.
    .NOTES
        Subscriptions and tenants are looked up in the saved contexts; querying Azure for ones not
        saved yet arrives with sign-in.
    #>
    [Alias('Select-AzSubscription')]
    [CmdletBinding(DefaultParameterSetName = 'Context', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
    param(
        [Parameter(ParameterSetName = 'Context', Mandatory, Position = 0, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
        [psobject]$Context,

        [Parameter(ParameterSetName = 'TenantObject', Mandatory, Position = 0, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.PSAzureTenant')]
        [psobject]$TenantObject,

        [Parameter(ParameterSetName = 'SubscriptionObject', Mandatory, Position = 0, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription')]
        [psobject]$SubscriptionObject,

        [Parameter(ParameterSetName = 'Subscription', Mandatory, Position = 0)]
        [Alias('SubscriptionId', 'SubscriptionName')]
        [string]$Subscription,

        [Parameter(ParameterSetName = 'Subscription')]
        [Parameter(ParameterSetName = 'TenantNameOnly', Mandatory)]
        [Alias('Domain', 'TenantId')]
        [string]$Tenant,

        [string]$Name,

        # IDictionary[string,string] in Az; any dictionary here (a hashtable binds to it in both editions).
        [System.Collections.IDictionary]$ExtendedProperty,

        [switch]$Force,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $arguments = @{}
        $target = ''
        switch ($PSCmdlet.ParameterSetName) {
            'Context' { $arguments.source = Get-AzRsContextReference $Context; $target = [string]$Context.Name }
            'TenantObject' { $arguments.tenant = [string]$TenantObject.Id; $target = $arguments.tenant }
            'SubscriptionObject' {
                $arguments.subscription = [string]$SubscriptionObject.Id
                if ($SubscriptionObject.TenantId) { $arguments.tenant = [string]$SubscriptionObject.TenantId }
                $target = $arguments.subscription
            }
            'Subscription' { $arguments.subscription = $Subscription; if ($Tenant) { $arguments.tenant = $Tenant }; $target = $Subscription }
            'TenantNameOnly' { $arguments.tenant = $Tenant; $target = $Tenant }
        }
        if ($Name) { $arguments.name = $Name }
        if ($ExtendedProperty) {
            $props = [ordered]@{}
            foreach ($k in $ExtendedProperty.Keys) { $props[[string]$k] = [string]$ExtendedProperty[$k] }
            $arguments.extendedProperty = $props
        }
        $arguments.scope = Get-AzRsScopeArgument $PSBoundParameters
        if ($PSCmdlet.ShouldProcess($target, 'Set the current context')) {
            ConvertTo-AzRsContextObject (Invoke-AzRsNative -Op 'context.set' -Arguments $arguments -Cmdlet $PSCmdlet)
        }
    }
}
