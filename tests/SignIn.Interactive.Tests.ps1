# Interactive user sign-in: browser (stand-in browser), headless fallback to device code, device
# code with the live message and Ctrl+C, and the subscription picker fed through the host.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SignIn.Helpers.ps1')
    $script:TestHome = New-TestHome
    $script:Psd1 = Join-Path $PSScriptRoot '../AzRs.psd1'
    Import-Module $script:Psd1 -Force
    $script:Emu = Start-TestEmulator
    Register-TestEnvironment $script:Emu
    $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ deviceCodeInterval = 1 }
    $script:Pwsh = (Get-Process -Id $PID).Path

    function Start-InRunspace {
        # Runs Connect-AzAccount in a second runspace of this process, so the test can watch its
        # Information stream while it polls, and stop it like Ctrl+C does.
        param([string]$Script)
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$($script:Psd1)'; $Script")
        return @{ PS = $ps; Async = $ps.BeginInvoke() }
    }
    function Wait-Information {
        param($Run, [int]$TimeoutMs = 15000)
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        while ($Run.PS.Streams.Information.Count -eq 0 -and $sw.ElapsedMilliseconds -lt $TimeoutMs -and -not $Run.Async.IsCompleted) { Start-Sleep -Milliseconds 20 }
        return @($Run.PS.Streams.Information | ForEach-Object { "$($_.MessageData)" })
    }
}

AfterAll {
    Stop-TestEmulator $script:Emu
    $env:BROWSER = $null
}

Describe 'Device code' {
    It 'shows the message live on the Information stream, then completes when approved' {
        $run = Start-InRunspace 'Connect-AzAccount -UseDeviceAuthentication -Environment AzRsEmulator -WarningAction SilentlyContinue'
        $info = Wait-Information $run
        $run.Async.IsCompleted | Should -BeFalse            # still polling when the message arrived
        $message = $info | Where-Object { $_ -like '*enter the code*' } | Select-Object -First 1
        $message | Should -Match '^\[Login to Azure\] To sign in, use a web browser to open the page'
        $code = [regex]::Match($message, 'enter the code (\S+)').Groups[1].Value
        $null = Invoke-EmulatorAdmin $script:Emu 'approve-device' @{ userCode = $code; user = 'alice@contoso.onmicrosoft.com' }
        $result = $run.PS.EndInvoke($run.Async)
        $run.PS.Dispose()
        $result[0].Context.Account.Id | Should -Be 'alice@contoso.onmicrosoft.com'
        $result[0].Context.Account.Type | Should -Be 'User'
    }
    It 'stops within 1 s of Ctrl+C (StopProcessing) and ends the engine task' {
        $run = Start-InRunspace 'Connect-AzAccount -UseDeviceAuthentication -Environment AzRsEmulator'
        $null = Wait-Information $run
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $run.PS.Stop()
        $sw.Stop()
        $run.PS.Dispose()
        $sw.ElapsedMilliseconds | Should -BeLessThan 1000
        $deadline = [DateTime]::UtcNow.AddSeconds(2)
        do { $running = (& (Get-Module AzRs) { Import-AzRsChunk -All; Invoke-AzRsNative -Op 'diag.running' }).running; Start-Sleep -Milliseconds 20 } while ($running -ne 0 -and [DateTime]::UtcNow -lt $deadline)
        $running | Should -Be 0
    }
    It 'refuses to run with InformationAction Ignore (the message would be invisible)' {
        { Connect-AzAccount -UseDeviceAuthentication -Environment AzRsEmulator -InformationAction Ignore } | Should -Throw -ErrorId 'InformationIgnored,Connect-AzAccount'
    }
    It 'sends -ClaimsChallenge with CAE''s capability, and refuses one that is not base64 JSON' {
        $challenge = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'))
        $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ autoApprove = $true }
        try {
            $p = Connect-AzAccount -UseDeviceAuthentication -ClaimsChallenge $challenge -Environment AzRsEmulator -Scope Process -WarningAction SilentlyContinue -InformationAction SilentlyContinue
            $p.Context.Account.Type | Should -Be 'User'
            $jwt = [System.Net.NetworkCredential]::new('', (Get-AzAccessToken).Token).Password
            $payload = $jwt.Split('.')[1].Replace('-', '+').Replace('_', '/')
            $payload += '=' * ((4 - $payload.Length % 4) % 4)
            $claims = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($payload)) | ConvertFrom-Json
            $claims.acrs | Should -Be @('c1') -Because 'the emulator grants the authentication context the challenge asked for'
            $claims.xms_cc | Should -Be @('CP1')
        }
        finally { $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ autoApprove = $false } }
        { Connect-AzAccount -UseDeviceAuthentication -ClaimsChallenge 'not base64 !!' -Environment AzRsEmulator -InformationAction SilentlyContinue } |
            Should -Throw -ErrorId 'InvalidClaimsChallenge,Connect-AzAccount'
    }
    It 'follows slow_down by polling less often' {
        $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ slowDown = $true; autoApprove = $true }
        try {
            $p = Connect-AzAccount -UseDeviceAuthentication -Environment AzRsEmulator -WarningAction SilentlyContinue -InformationAction SilentlyContinue
            $p.Context.Account.Type | Should -Be 'User'
        }
        finally { $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ slowDown = $false; autoApprove = $false } }
    }
}

Describe 'Interactive browser' {
    AfterEach { $env:BROWSER = $null; $env:DISPLAY = $null }
    It 'signs in through the authorize page and the loopback redirect (PKCE, state, nonce)' {
        $log = Join-Path $script:TestHome 'browser.log'
        $env:BROWSER = "$($script:Pwsh) -NoProfile -File $(Join-Path $PSScriptRoot 'fake-browser.ps1') -Log $log"
        $p = Connect-AzAccount -Environment AzRsEmulator -WarningAction SilentlyContinue -InformationVariable info -InformationAction SilentlyContinue
        $p.Context.Account.Id | Should -Be 'alice@contoso.onmicrosoft.com'
        $p.Context.Account.ExtendedProperties.HomeAccountId | Should -Not -BeNullOrEmpty
        # The stand-in browser logs after our listener answered it: give it a moment.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not (Test-Path $log) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Start-Sleep -Milliseconds 100
        (Get-Content $log) | Should -Contain 'done 200'
        ($info | ForEach-Object { "$($_.MessageData)" }) | Should -Contain 'Please select the account you want to login with.'
    }
    It 'falls back to device code, with a clear message, when no browser can be opened (no DISPLAY)' {
        $env:BROWSER = $null; $env:DISPLAY = $null; $env:WAYLAND_DISPLAY = $null
        $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ autoApprove = $true }
        try {
            $p = Connect-AzAccount -Environment AzRsEmulator -WarningVariable w -WarningAction SilentlyContinue -InformationVariable info -InformationAction SilentlyContinue
            ($w -join "`n") | Should -Match 'browser cannot be opened'
            ($info | ForEach-Object { "$($_.MessageData)" }) -join "`n" | Should -Match 'enter the code'
            $p.Context.Account.Type | Should -Be 'User'
        }
        finally { $null = Invoke-EmulatorAdmin $script:Emu 'settings' @{ autoApprove = $false } }
    }
}

Describe 'Subscription picker (login experience v2)' {
    BeforeAll {
        $script:PickerScript = Join-Path $script:TestHome 'picker.ps1'
        @"
`$ErrorActionPreference = 'Stop'
. '$(Join-Path $PSScriptRoot 'SignIn.Helpers.ps1')'
Import-Module '$($script:Psd1)'
`$emu = Get-Content '$(Join-Path $script:TestHome 'emu.json')' -Raw | ConvertFrom-Json
Register-TestEnvironment `$emu
if (`$env:AZRS_TEST_PICKER_OFF) { `$null = Update-AzConfig -LoginExperienceV2 Off -Scope Process }
`$cred = [pscredential]::new('alice@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-alice' -AsPlainText -Force))
`$p = Connect-AzAccount -Credential `$cred -Environment AzRsEmulator -WarningAction SilentlyContinue
'CHOSEN=' + `$p.Context.Subscription.Id
"@ | Set-Content -Path $script:PickerScript
        $script:Emu | Select-Object * -ExcludeProperty Process | ConvertTo-Json | Set-Content (Join-Path $script:TestHome 'emu.json')
        function Invoke-Picker {
            # A new pwsh whose host reads the answers from redirected standard input.
            param([string]$ProfileDir, [string[]]$Lines, [switch]$Off)
            $psi = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            $null = New-Item -ItemType Directory -Force -Path $ProfileDir
            if ($Off) { $psi.Environment['AZRS_TEST_PICKER_OFF'] = '1' }
            $psi.Environment['HOME'] = $ProfileDir; $psi.Environment['XDG_DATA_HOME'] = Join-Path $ProfileDir '.local/share'
            foreach ($a in '-NoProfile', '-File', $script:PickerScript) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
            $psi.UseShellExecute = $false
            $p = [System.Diagnostics.Process]::Start($psi)
            foreach ($l in $Lines) { $p.StandardInput.WriteLine($l) }
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEnd(); $err = $p.StandardError.ReadToEnd()
            $p.WaitForExit()
            return "$out`n$err"
        }
    }
    It 'shows Az''s table and takes a number' {
        $script:PickerHome = Join-Path $script:TestHome 'picker-a'
        $out = Invoke-Picker $script:PickerHome '2'
        $out | Should -Match '\[Tenant and subscription selection\]'
        $out | Should -Match 'No    Subscription name\s+Subscription ID\s+Tenant name'
        $out | Should -Match 'Select a tenant and subscription: '
        # Sorted by tenant name, then subscription name: Contoso Development, Contoso Production, ...
        $out | Should -Match 'CHOSEN=00000000-0000-0000-0000-0000000000f1'
    }
    It 'explains out-of-range and not-a-number answers, then asks again' {
        $out = Invoke-Picker (Join-Path $script:TestHome 'picker-b') '9', 'abc', '', '4'
        $out | Should -Match 'Selected subscription is out of range, please type a correct number.'
        $out | Should -Match 'Typed subscription is not a number.'
        $out | Should -Match 'Please type a number to select a subscription.'
        $out | Should -Match 'CHOSEN=00000000-0000-0000-0000-0000000000f5'
    }
    It 'marks the last-used subscription as the default and keeps it on Enter' {
        $out = Invoke-Picker $script:PickerHome ''
        $out | Should -Match '\[2\] \* Contoso Production'
        $out | Should -Match "The default is marked with an \*; the default tenant is 'Contoso' and subscription is 'Contoso Production \(00000000-0000-0000-0000-0000000000f1\)'."
        $out | Should -Match 'Select a tenant and subscription \(type a number or Enter to accept default\): '
        $out | Should -Match 'CHOSEN=00000000-0000-0000-0000-0000000000f1'
    }
    It 'is not shown when LoginExperienceV2 is Off (Az''s default rule instead)' {
        $out = Invoke-Picker (Join-Path $script:TestHome 'picker-c') @() -Off
        $out | Should -Not -Match 'Tenant and subscription selection'
        $out | Should -Match 'CHOSEN=00000000-0000-0000-0000-0000000000f1'
    }
}
