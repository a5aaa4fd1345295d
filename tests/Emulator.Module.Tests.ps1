# The README's "The emulator" Pester example, run by CI: start the emulator from the module in
# BeforeAll, use it offline, stop it in AfterAll.

BeforeAll {
    Import-Module "$PSScriptRoot/../AzRs.psd1" -Force
    $emu = Start-AzRsEmulator -AutoApprove
    $tenant = $emu.Tenants[0].id
    $sp = $emu.Applications | Where-Object { $_.secrets } | Select-Object -First 1
}

AfterAll {
    Stop-AzRsEmulator -InputObject $emu
}

Describe 'Start-AzRsEmulator' {
    It 'returns its URLs, CA file and seeded identities' {
        $emu.Authority | Should -Match '^https://127\.0\.0\.1:\d+$'
        $emu.CaPath | Should -Exist
        (Get-Content -Raw $emu.CaPath) | Should -Match 'BEGIN CERTIFICATE'
        $emu.Users.upn | Should -Contain 'alice@contoso.onmicrosoft.com'
        $emu.Environment.ActiveDirectoryEndpoint | Should -Be "$($emu.Authority)/"
    }

    It 'issues a token and lists subscriptions offline' {
        # Plain HTTP is served on the same port (no CA trust needed inside this process).
        $token = Invoke-RestMethod -Method Post -Uri "$($emu.HttpUrl)/$tenant/oauth2/v2.0/token" -Body @{
            grant_type = 'client_credentials'; client_id = $sp.appId; client_secret = $sp.secrets[0]
            scope = 'https://management.core.windows.net//.default'
        }
        $subs = Invoke-RestMethod -Uri "$($emu.HttpUrl)/subscriptions?api-version=2022-12-01" -Headers @{ Authorization = "Bearer $($token.access_token)" }
        $subs.value.state | Should -Contain 'Enabled'
        $stats = Invoke-RestMethod "$($emu.HttpUrl)/admin/stats"
        $stats.requests.token | Should -BeGreaterOrEqual 1
    }

    It 'Stop-AzRsEmulator stops the process' {
        $other = Start-AzRsEmulator -NoRegister
        Stop-AzRsEmulator -InputObject $other
        $other.Process.HasExited | Should -BeTrue
        { Get-Process -Id $other.ProcessId -ErrorAction Stop } | Should -Throw
    }
}
