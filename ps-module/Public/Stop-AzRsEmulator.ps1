function Stop-AzRsEmulator {
    <#
    .SYNOPSIS
        Stops emulators started with Start-AzRsEmulator (all of this session's when none is given).
    .EXAMPLE
        Stop-AzRsEmulator -InputObject $emu
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(ValueFromPipeline = $true)]
        [psobject[]]$InputObject
    )
    begin { $targets = New-Object System.Collections.ArrayList }
    process { foreach ($e in $InputObject) { if ($e) { $null = $targets.Add($e) } } }
    end {
        if ($targets.Count -eq 0 -and $script:AzRsEmulators) { $targets.AddRange(@($script:AzRsEmulators)) }
        foreach ($e in $targets) {
            if (-not $PSCmdlet.ShouldProcess("azrs-emulator (pid $($e.ProcessId), $($e.Authority))", 'Stop')) { continue }
            $p = $e.Process
            if ($p -and -not $p.HasExited) {
                $p.Kill()
                $null = $p.WaitForExit(5000)
            }
            if ($e.StateDirectory -and (Test-Path -LiteralPath $e.StateDirectory)) {
                Remove-Item -LiteralPath $e.StateDirectory -Recurse -Force -ErrorAction SilentlyContinue
            }
            if ($e.EnvironmentRegistered) {
                $remove = Get-Command -Name 'Remove-AzEnvironment' -CommandType Function, Cmdlet -ErrorAction SilentlyContinue
                if ($remove) { $null = & $remove -Name $e.EnvironmentName }
            }
            if ($script:AzRsEmulators) { $script:AzRsEmulators.Remove($e) }
        }
    }
}
