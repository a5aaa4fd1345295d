# Tenant discovery for a user in 52 tenants runs in parallel: asserted on the emulator's
# concurrency counters, not on time.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SignIn.Helpers.ps1')
    $script:TestHome = New-TestHome
    Import-Module (Join-Path $PSScriptRoot '../AzRs.psd1') -Force
    $script:Emu = Start-TestEmulator -ArgumentList '--generate-tenants', '50', '--subscriptions-per-tenant', '20', '--latency-ms', '60'
    Register-TestEnvironment $script:Emu
}

AfterAll { Stop-TestEmulator $script:Emu }

Describe 'Parallel discovery' {
    It 'gets per-tenant tokens and subscriptions concurrently for 52 tenants, with nextLink paging' {
        $null = Invoke-EmulatorAdmin $script:Emu 'reset-stats'
        $cred = [pscredential]::new('alice@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-alice' -AsPlainText -Force))
        $p = Connect-AzAccount -Credential $cred -Environment AzRsEmulator -MaxContextPopulation -1 -WarningAction SilentlyContinue
        $stats = Invoke-EmulatorAdmin $script:Emu 'stats' -Method Get
        $p.Context.Account.Tenants.Count | Should -Be 52
        $stats.peakConcurrency.subscriptions | Should -BeGreaterOrEqual 4   # sequential would be 1; 60 ms per request keeps requests in flight together even on a busy 2-core box
        $stats.peakConcurrency.token | Should -BeGreaterOrEqual 4
        $stats.requests.subscriptions | Should -BeGreaterOrEqual 52
        @(Get-AzSubscription).Count | Should -Be 1004
    }
}
