# Helpers shared by the sign-in cmdlets: turning engine context JSON (Az's AzureRmContext shape)
# into Az's output objects, answering the engine's prompts (subscription picker, certificate
# signing through .NET), and the SecureString fast path for Get-AzAccessToken.

function ConvertTo-AzRsPropertyTable {
    param($Object)
    $table = @{}
    if ($null -ne $Object) { foreach ($p in $Object.PSObject.Properties) { $table[$p.Name] = [string]$p.Value } }
    return $table
}

function Split-AzRsList {
    param([string]$Text)
    if (-not $Text) { return [string[]]@() }
    return [string[]]@($Text.Split(',') | Where-Object { $_ })
}

function ConvertTo-AzRsSubscriptionObject {
    # From a context's Subscription (Az shape: Id, Name, State, ExtendedProperties) or from the
    # engine's discovery shape (id, name, state, tenantId, homeTenantId, ...).
    param($Subscription)
    if ($null -eq $Subscription) { return $null }
    if ($null -ne $Subscription.PSObject.Properties['ExtendedProperties']) {
        $props = ConvertTo-AzRsPropertyTable $Subscription.ExtendedProperties
        $policies = $null
        if ($props['SubscriptionPolices']) { $policies = ConvertFrom-AzRsJson $props['SubscriptionPolices'] }
        $tags = $null
        if ($props['Tags']) { $tags = ConvertFrom-AzRsJson $props['Tags'] }
        $id = [string]$Subscription.Id; $name = [string]$Subscription.Name; $state = [string]$Subscription.State
        $tenant = $props['Tenants']; $homeTenant = $props['HomeTenant']; $managed = Split-AzRsList $props['ManagedByTenants']
        $source = $props['AuthorizationSource']
    }
    else {
        $props = @{}
        $id = [string]$Subscription.id; $name = [string]$Subscription.name; $state = [string]$Subscription.state
        $tenant = [string]$Subscription.tenantId; $homeTenant = [string]$Subscription.homeTenantId
        $managed = [string[]]@($Subscription.managedByTenantIds); $source = $Subscription.authorizationSource
        $policies = $Subscription.subscriptionPolicies; $tags = $Subscription.tags
        $props['Tenants'] = $tenant; $props['HomeTenant'] = $homeTenant
    }
    $o = [pscustomobject]@{
        PSTypeName                = 'Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription'
        Id                        = $id
        SubscriptionId            = $id
        Name                      = $name
        State                     = $state
        TenantId                  = $tenant
        HomeTenantId              = $homeTenant
        ManagedByTenantIds        = $managed
        CurrentStorageAccountName = $null
        SubscriptionPolicies      = $policies
        AuthorizationSource       = $source
        Tags                      = $tags
        ExtendedProperties        = $props
    }
    Add-Member -InputObject $o -MemberType ScriptMethod -Name ToString -Value { $this.Id } -Force
    return $o
}

function Format-AzRsPickerCell {
    param([string]$Text, [int]$Width)
    if ($Text.Length -gt $Width) { $Text = $Text.Substring(0, $Width - 3) + '...' }
    return $Text.PadRight($Width)
}

function Read-AzRsSubscriptionChoice {
    # Az's login-experience-v2 picker: same table, prompts and errors. Returns the 0-based row.
    param($Request, [System.Management.Automation.Host.PSHost]$HostObject)
    $ui = $HostObject.UI
    $rows = @($Request.rows)
    $default = $Request.default
    $ui.WriteLine('[Tenant and subscription selection]')
    $ui.WriteLine('')
    $ui.WriteLine(('No'.PadRight(4)) + '  ' + ('Subscription name'.PadRight(36)) + '  ' + ('Subscription ID'.PadRight(40)) + '  ' + 'Tenant name')
    $ui.WriteLine(('-' * 4) + '  ' + ('-' * 36) + '  ' + ('-' * 40) + '  ' + ('-' * 26))
    for ($i = 0; $i -lt $rows.Count; $i++) {
        $mark = '  '
        if ($null -ne $default -and [int]$default -eq $i) { $mark = '* ' }
        $line = ('[' + ($i + 1) + ']').PadRight(4) + $mark + (Format-AzRsPickerCell $rows[$i].name 36) + '  ' + ([string]$rows[$i].id).PadRight(40) + '  ' + (Format-AzRsPickerCell $rows[$i].tenant 26)
        $ui.WriteLine($line.TrimEnd())
    }
    $ui.WriteLine('')
    if ($null -ne $default) {
        $d = $rows[[int]$default]
        $ui.WriteLine("The default is marked with an *; the default tenant is '$($d.tenant)' and subscription is '$($d.name) ($($d.id))'.")
        $ui.WriteLine('')
        $prompt = 'Select a tenant and subscription (type a number or Enter to accept default): '
    }
    else { $prompt = 'Select a tenant and subscription: ' }
    while ($true) {
        $ui.Write($prompt)
        $answer = $ui.ReadLine()
        if ($null -eq $answer) { return $null }   # input closed: stop rather than loop
        $answer = $answer.Trim()
        if ($answer -eq '') {
            if ($null -ne $default) { return [int]$default }
            $ui.WriteLine('Please type a number to select a subscription.')
            continue
        }
        $n = 0
        if (-not [int]::TryParse($answer, [ref]$n)) { $ui.WriteLine('Typed subscription is not a number.'); continue }
        if ($n -lt 1 -or $n -gt $rows.Count) { $ui.WriteLine('Selected subscription is out of range, please type a correct number.'); continue }
        return ($n - 1)
    }
}

function Get-AzRsCertificate {
    # The certificate the engine asked for: by thumbprint from CurrentUser\My then LocalMachine\My
    # (X509Store, so non-exportable keys work), or from a PFX file with its password.
    param($Spec)
    $key = [string]$Spec.thumbprint + '|' + [string]$Spec.path
    if ($script:AzRsCertKey -eq $key -and $null -ne $script:AzRsCert) { return $script:AzRsCert }
    $cert = $null
    if ($Spec.thumbprint) {
        foreach ($location in 'CurrentUser', 'LocalMachine') {
            $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', $location)
            try {
                $store.Open([System.Security.Cryptography.X509Certificates.OpenFlags]::ReadOnly)
                $found = $store.Certificates.Find([System.Security.Cryptography.X509Certificates.X509FindType]::FindByThumbprint, [string]$Spec.thumbprint, $false)
                if ($found.Count -gt 0) { $cert = $found[0]; break }
            }
            catch { Write-Debug "X509Store $location\My: $($_.Exception.Message)" }
            finally { $store.Close() }
        }
        if ($null -eq $cert) { throw "No certificate with thumbprint $($Spec.thumbprint) in CurrentUser\My or LocalMachine\My." }
    }
    else {
        $password = $null
        if ($Spec.password) { $password = [string]$Spec.password }
        $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::EphemeralKeySet
        if ($PSVersionTable.PSEdition -eq 'Desktop') { $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::DefaultKeySet }
        $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([string]$Spec.path, $password, $flags)
    }
    if (-not $cert.HasPrivateKey) { throw "The certificate $($cert.Thumbprint) has no private key." }
    $script:AzRsCertKey = $key
    $script:AzRsCert = $cert
    return $cert
}

function Invoke-AzRsSignInPrompt {
    # Answers the engine's prompts during sign-in and token acquisition.
    param($Request, [System.Management.Automation.Host.PSHost]$HostObject)
    switch ([string]$Request.kind) {
        'picker' { return Read-AzRsSubscriptionChoice -Request $Request -HostObject $HostObject }
        'certificate' {
            try {
                $cert = Get-AzRsCertificate $Request.certificate
                return @{ chain = @([Convert]::ToBase64String($cert.RawData)) }
            }
            catch { return @{ error = $_.Exception.Message } }
        }
        'sign' {
            try {
                $cert = Get-AzRsCertificate $Request.certificate
                $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
                $data = [Convert]::FromBase64String([string]$Request.data)
                $sig = $rsa.SignData($data, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
                return @{ signature = [Convert]::ToBase64String($sig) }
            }
            catch { return @{ error = $_.Exception.Message } }
        }
    }
    return $null
}

function New-AzRsSecureString {
    # NetworkCredential builds the SecureString in one native call: much cheaper than
    # ConvertTo-SecureString -AsPlainText or AppendChar per character.
    param([string]$Text)
    return [System.Net.NetworkCredential]::new('', $Text).SecurePassword
}

function Get-AzRsTokenWithSigning {
    # Get-AzAccessToken for an account whose certificate PowerShell must sign with: an operation,
    # so the engine can ask for the signature. Returns the engine's compact result as JSON text.
    param($Arguments, $Cmdlet)
    # Invoked from the operation loop inside this module, so module functions resolve.
    $onPrompt = { param($request) Invoke-AzRsSignInPrompt -Request $request -HostObject $Host }
    return '"' + (Invoke-AzRsOperation -Op 'auth.token' -Arguments $Arguments -Cmdlet $Cmdlet -OnPrompt $onPrompt).Replace("`n", '\n') + '"'
}
