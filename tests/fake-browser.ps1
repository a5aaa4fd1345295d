# A stand-in browser for the interactive sign-in tests: follows the authorize URL, completes the
# emulator's sign-in page as a user, and delivers the redirect to the loopback listener.
param([string]$Log, [Parameter(Mandatory, Position = 0)][string]$Url)
$ErrorActionPreference = 'Stop'
$user = $env:AZRS_TEST_BROWSER_USER; if (-not $user) { $user = 'alice@contoso.onmicrosoft.com' }
$password = $env:AZRS_TEST_BROWSER_PASSWORD; if (-not $password) { $password = 'Pa55w.rd-alice' }
# The engine starts us with the process environment, so the log path comes as an argument.
$log = $Log
try {
    $page = Invoke-WebRequest -Uri $Url -SkipCertificateCheck -MaximumRedirection 0 -SkipHttpErrorCheck -AllowInsecureRedirect
    if ($page.StatusCode -eq 302) { $next = $page.Headers.Location[0] }
    else {
        $q = [System.Net.WebUtility]::HtmlDecode([regex]::Match($page.Content, 'name="q" value="([^"]*)"').Groups[1].Value)
        $action = [regex]::Match($page.Content, 'action="([^"]*)"').Groups[1].Value
        $origin = ([uri]$Url).GetLeftPart([System.UriPartial]::Authority)
        $body = @{ q = $q; username = $user; password = $password; action = 'signin' }
        $r = Invoke-WebRequest -Uri ($origin + $action) -Method Post -Body $body -SkipCertificateCheck -MaximumRedirection 0 -SkipHttpErrorCheck -AllowInsecureRedirect
        $next = $r.Headers.Location[0]
    }
    $done = Invoke-WebRequest -Uri $next -SkipHttpErrorCheck
    if ($log) { Add-Content -Path $log -Value "done $($done.StatusCode)" }
}
catch { if ($log) { Add-Content -Path $log -Value "error $($_.Exception.Message)" } }
