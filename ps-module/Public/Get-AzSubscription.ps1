function Get-AzSubscription {
    <#
    .SYNOPSIS
        Lists the subscriptions the current account can use (all tenants, in parallel), or one by id or name.
    #>
    [CmdletBinding(DefaultParameterSetName = 'ListByIdInTenant')]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription')]
    param(
        [Parameter(ParameterSetName = 'ListByIdInTenant', ValueFromPipelineByPropertyName = $true)][string]$SubscriptionId,
        [Parameter(ParameterSetName = 'ListByNameInTenant', ValueFromPipelineByPropertyName = $true)][string]$SubscriptionName,
        [Parameter(ValueFromPipelineByPropertyName = $true)][string]$TenantId,
        [switch]$AsJob
    )
    process {
        if ($AsJob) {
            $psd1 = Join-Path (Split-Path $script:AzRsModuleRoot -Parent) 'AzRs.psd1'
            $bound = @{} + $PSBoundParameters
            $null = $bound.Remove('AsJob')
            return Start-Job -ScriptBlock { param($m, $p) Import-Module $m; Get-AzSubscription @p } -ArgumentList $psd1, $bound
        }
        $arguments = @{}
        if ($SubscriptionId) { $arguments.subscriptionId = $SubscriptionId }
        if ($SubscriptionName) { $arguments.subscriptionName = $SubscriptionName }
        if ($TenantId) { $arguments.tenantId = $TenantId }
        $result = Invoke-AzRsNative -Op 'auth.subscriptions' -Arguments $arguments -Cmdlet $PSCmdlet
        foreach ($w in @($result.warnings)) { if ($w) { Write-Warning $w } }
        foreach ($s in @($result.subscriptions)) { ConvertTo-AzRsSubscriptionObject $s }
    }
}
