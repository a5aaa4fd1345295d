# After sign-in: refresh of expired access tokens, revoked refresh tokens, 50-tenant parallel
# discovery, $env: proxy/CA settings taking effect, and no secret in any stream or file.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SignIn.Helpers.ps1')
    $script:TestHome = New-TestHome
    Import-Module (Join-Path $PSScriptRoot '../AzRs.psd1') -Force
    $script:Emu = Start-TestEmulator
    Register-TestEnvironment $script:Emu
    $script:Alice = [pscredential]::new('alice@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-alice' -AsPlainText -Force))
    $script:SpSecret = 'Emu.Secret-c1~not-a-real-secret'
    $script:Sp = [pscredential]::new('00000000-0000-0000-0000-0000000000c1', (ConvertTo-SecureString $script:SpSecret -AsPlainText -Force))
    function Get-TokenRequests { (Invoke-EmulatorAdmin $script:Emu 'stats' -Method Get).requests.token }
    function ConvertFrom-TestSecure { param($s) [System.Net.NetworkCredential]::new('', $s).Password }
}

AfterAll {
    Stop-TestEmulator $script:Emu
    $env:HTTPS_PROXY = $null; $env:NO_PROXY = $null
}

Describe 'Silent acquisition' {
    It 'refreshes an access token with less than 5 minutes left, per tenant' {
        $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ tokenLifetime = 240 }
        try {
            $null = Connect-AzAccount -Credential $script:Alice -Environment AzRsEmulator -WarningAction SilentlyContinue
            $before = Get-TokenRequests
            $t1 = ConvertFrom-TestSecure (Get-AzAccessToken).Token
            $t2 = ConvertFrom-TestSecure (Get-AzAccessToken).Token
            (Get-TokenRequests) - $before | Should -Be 2     # each call found < 5 min left and refreshed
            $t1 | Should -Not -Be $t2
            (Get-AzAccessToken -TenantId '00000000-0000-0000-0000-0000000000a2').TenantId | Should -Be '00000000-0000-0000-0000-0000000000a2'
        }
        finally { $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ tokenLifetime = 3599 } }
    }
    It 'gives the actionable "run Connect-AzAccount" error for a revoked refresh token, never a prompt' {
        $null = Connect-AzAccount -Credential $script:Alice -Environment AzRsEmulator -WarningAction SilentlyContinue
        $null = Invoke-EmulatorAdmin $script:Emu 'revoke' @{ user = 'alice@contoso.onmicrosoft.com' }
        $err = $null
        try { $null = Get-AzAccessToken -ResourceUrl 'https://vault.azure.net' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InteractionRequired,Get-AzAccessToken'
        "$($err.Exception.Message) $($err.ErrorDetails.RecommendedAction)" | Should -Match 'Connect-AzAccount'
    }
    It 'Disconnect-AzAccount removes the account''s contexts and tokens' {
        $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $a = Disconnect-AzAccount -Confirm:$false
        $a.Id | Should -Be '00000000-0000-0000-0000-0000000000c1'
        { Get-AzAccessToken } | Should -Throw
    }
}

Describe 'Shared token cache across processes' {
    BeforeAll {
        function Invoke-Child {
            # A second pwsh with the same profile folder: gets its token from the shared cache.
            param([string]$Command)
            $psd1 = Join-Path $PSScriptRoot '../AzRs.psd1'
            & (Get-Process -Id $PID).Path -NoProfile -NonInteractive -Command "Import-Module '$psd1'; $Command"
        }
    }
    It 'a second process gets the service principal''s token silently (no token request)' {
        $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $null = Get-AzAccessToken
        $before = Get-TokenRequests
        $out = Invoke-Child '$t = Get-AzAccessToken; $t.UserId; $t.ExpiresOn.ToUnixTimeSeconds()'
        $out[0] | Should -Be '00000000-0000-0000-0000-0000000000c1'
        [long]$out[1] | Should -Be (Get-AzAccessToken).ExpiresOn.ToUnixTimeSeconds()
        Get-TokenRequests | Should -Be $before
    }
    It 'a token Get-AzAccessToken wrote behind is in the shared cache for the next process' {
        $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $before = Get-TokenRequests
        $mine = Get-AzAccessToken -ResourceUrl 'https://write-behind.example/'
        (Get-TokenRequests) - $before | Should -Be 1
        $out = Invoke-Child "(Get-AzAccessToken -ResourceUrl 'https://write-behind.example/').ExpiresOn.ToUnixTimeSeconds()"
        [long]$out | Should -Be $mine.ExpiresOn.ToUnixTimeSeconds()
        (Get-TokenRequests) - $before | Should -Be 1 -Because 'the child found the token in the shared cache'
    }
    It 'a process that exits right after Get-AzAccessToken leaves its token in the shared cache' {
        $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $out = Invoke-Child "(Get-AzAccessToken -ResourceUrl 'https://exit-right-after.example/').ExpiresOn.ToUnixTimeSeconds(); exit 0"
        $before = Get-TokenRequests
        (Get-AzAccessToken -ResourceUrl 'https://exit-right-after.example/').ExpiresOn.ToUnixTimeSeconds() | Should -Be ([long]$out)
        Get-TokenRequests | Should -Be $before
    }
    It 'a cached token is not served after another process replaced or cleared it' {
        $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $old = ConvertFrom-TestSecure (Get-AzAccessToken).Token
        ConvertFrom-TestSecure (Get-AzAccessToken).Token | Should -Be $old
        # Another process signs in again: a new ARM token replaces ours in the shared cache.
        $null = Invoke-Child "`$c = [pscredential]::new('$($script:Sp.UserName)', (ConvertTo-SecureString '$($script:SpSecret)' -AsPlainText -Force)); `$env:SSL_CERT_FILE = '$($script:Emu.caPath)'; `$null = Connect-AzAccount -ServicePrincipal -Credential `$c -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue"
        $new = ConvertFrom-TestSecure (Get-AzAccessToken).Token
        $new | Should -Not -Be $old
        # Another process clears the cache (and the stored secret): nothing stale is served.
        $null = Invoke-Child 'Clear-AzContext -Force'
        { Get-AzAccessToken } | Should -Throw -ErrorId 'InteractionRequired,Get-AzAccessToken'
    }
    It 'a second process renews a user''s token with the shared refresh token' {
        $null = Connect-AzAccount -Credential $script:Alice -Environment AzRsEmulator -WarningAction SilentlyContinue
        $out = Invoke-Child "(Get-AzAccessToken -ResourceUrl 'https://second-process.example/').UserId; (Get-AzContext).Account.Id"
        $out | Should -Contain 'alice@contoso.onmicrosoft.com'
    }
    It 'Get-AzContext -RefreshContextFromTokenCache adds contexts for accounts in the cache' {
        $null = Connect-AzAccount -Credential $script:Alice -Environment AzRsEmulator -WarningAction SilentlyContinue -Scope Process
        $null = Get-AzContext -ListAvailable | Remove-AzContext -Force -Scope Process -ErrorAction SilentlyContinue
        @(Get-AzContext -ListAvailable -RefreshContextFromTokenCache | Where-Object { $_.Account.Id -eq 'alice@contoso.onmicrosoft.com' }).Count | Should -BeGreaterThan 0
    }
}

Describe '$env: settings made in the session take effect' {
    BeforeAll { $null = Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator -WarningAction SilentlyContinue }
    It 'uses HTTPS_PROXY (a dead proxy fails) and NO_PROXY (bypasses it)' {
        $env:HTTPS_PROXY = 'http://127.0.0.1:9'
        try {
            { Get-AzAccessToken -ResourceUrl 'https://proxy-test-1.example/' } | Should -Throw -ErrorId 'ConnectionFailed,Get-AzAccessToken'
            $env:NO_PROXY = '127.0.0.1'
            (Get-AzAccessToken -ResourceUrl 'https://proxy-test-2.example/').TenantId | Should -Be '00000000-0000-0000-0000-0000000000a1'
        }
        finally { $env:HTTPS_PROXY = $null; $env:NO_PROXY = $null }
    }
    It 'uses SSL_CERT_FILE (without the emulator CA the TLS handshake fails)' {
        $ca = $env:SSL_CERT_FILE
        $env:SSL_CERT_FILE = $null
        try { { Get-AzAccessToken -ResourceUrl 'https://ca-test-1.example/' } | Should -Throw -ErrorId 'ConnectionFailed,Get-AzAccessToken' }
        finally { $env:SSL_CERT_FILE = $ca }
        (Get-AzAccessToken -ResourceUrl 'https://ca-test-2.example/').TenantId | Should -Be '00000000-0000-0000-0000-0000000000a1'
    }
}

Describe 'No secret or token in any output stream, error, -Debug log or file' {
    It 'keeps secrets, passwords and tokens out of everything it writes' {
        $bad = [pscredential]::new('00000000-0000-0000-0000-0000000000c1', (ConvertTo-SecureString 'Wrong.Secret-zzz' -AsPlainText -Force))
        # -Debug would mean Inquire (a prompt) in -NonInteractive: set the preference instead; module
        # functions read it from the global scope.
        $savedDebug = $global:DebugPreference; $savedVerbose = $global:VerbosePreference
        $global:DebugPreference = 'Continue'; $global:VerbosePreference = 'Continue'
        $all = & {
            Connect-AzAccount -ServicePrincipal -Credential $script:Sp -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator | Format-List * | Out-String
            Get-AzContext -ErrorAction SilentlyContinue | Format-List * | Out-String
            Get-AzAccessToken -ResourceUrl 'https://scan.example/' | Format-List * | Out-String
            Get-AzSubscription | Format-List * | Out-String
            try { Connect-AzAccount -ServicePrincipal -Credential $bad -Tenant '00000000-0000-0000-0000-0000000000a1' -Environment AzRsEmulator } catch { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String }
            Connect-AzAccount -Credential $script:Alice -Environment AzRsEmulator | Format-List * | Out-String
        } *>&1 | Out-String
        $global:DebugPreference = $savedDebug; $global:VerbosePreference = $savedVerbose
        $token = ConvertFrom-TestSecure (Get-AzAccessToken).Token
        $files = Get-ChildItem -Path $script:TestHome -Recurse -File -Filter '*.json' | ForEach-Object { Get-Content $_.FullName -Raw }
        foreach ($text in @($all) + @($files)) {
            $text | Should -Not -Match ([regex]::Escape($script:SpSecret))
            $text | Should -Not -Match 'Wrong\.Secret-zzz'
            $text | Should -Not -Match 'Pa55w\.rd-alice'
            $text | Should -Not -Match ([regex]::Escape($token))
            $text | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}\.eyJ'      # no JWT at all
        }
        $all | Should -Match 'HTTP request: POST'   # the -Debug log was really captured
    }
}
