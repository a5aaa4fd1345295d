# A stand-in browser for the interactive sign-in tests: follows the authorize URL, completes the
# emulator's sign-in page as a user, and delivers the redirect to the loopback listener.
param([string]$Log, [Parameter(Mandatory, Position = 0)][string]$Url)
$ErrorActionPreference = 'Stop'
$user = $env:AZRS_TEST_BROWSER_USER; if (-not $user) { $user = 'alice@contoso.onmicrosoft.com' }
$password = $env:AZRS_TEST_BROWSER_PASSWORD; if (-not $password) { $password = 'Pa55w.rd-alice' }
# The engine starts us with the process environment, so the log path comes as an argument.
$log = $Log
try {
    # The page (or, with auto-approve, a redirect to the loopback listener, which is followed).
    $page = Invoke-WebRequest -Uri $Url -SkipCertificateCheck -MaximumRedirection 1 -AllowInsecureRedirect -SkipHttpErrorCheck
    if ($page.Content -match 'name="q" value="([^"]*)"') {
        $q = [System.Net.WebUtility]::HtmlDecode($Matches[1])
        $action = [regex]::Match($page.Content, 'action="([^"]*)"').Groups[1].Value
        $origin = ([uri]$Url).GetLeftPart([System.UriPartial]::Authority)
        $body = @{ q = $q; username = $user; password = $password; action = 'signin' }
        # Sign in; the 302 to http://localhost:{port}/?code=... is followed to the listener.
        $page = Invoke-WebRequest -Uri ($origin + $action) -Method Post -Body $body -SkipCertificateCheck -MaximumRedirection 1 -AllowInsecureRedirect -SkipHttpErrorCheck
    }
    if ($log) { Add-Content -Path $log -Value "done $($page.StatusCode)" }
}
catch { if ($log) { Add-Content -Path $log -Value "error $($_.FullyQualifiedErrorId) line $($_.InvocationInfo.ScriptLineNumber): $($_.Exception.Message)" } }
