function Get-AzTenant {
    <#
    .SYNOPSIS
        Lists the tenants the current account belongs to (sorted by name), or one by id or domain.
    #>
    [CmdletBinding()]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureTenant')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('Domain', 'Tenant')][string]$TenantId
    )
    process {
        $arguments = @{}
        if ($TenantId) { $arguments.tenantId = $TenantId }
        foreach ($t in @(Invoke-AzRsNative -Op 'auth.tenants' -Arguments $arguments -Cmdlet $PSCmdlet)) {
            if ($null -eq $t) { continue }
            $o = [pscustomobject]@{
                PSTypeName            = 'Microsoft.Azure.Commands.Profile.Models.PSAzureTenant'
                Id                    = $t.id
                TenantId              = $t.id
                Name                  = $t.displayName
                TenantCategory        = $t.tenantCategory
                Country               = $t.country
                CountryCode           = $t.countryCode
                Domains               = [string[]]@($t.domains)
                DefaultDomain         = $t.defaultDomain
                TenantType            = $t.tenantType
                TenantBrandingLogoUrl = $t.tenantBrandingLogoUrl
                ExtendedProperties    = @{}
            }
            Add-Member -InputObject $o -MemberType ScriptMethod -Name ToString -Value { $this.Id } -Force
            $o
        }
    }
}
