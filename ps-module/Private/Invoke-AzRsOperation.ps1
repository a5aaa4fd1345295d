# The operation loop: starts a long engine operation and drains its events on the pipeline
# thread, so verbose/warning/information/progress lines land in PowerShell's own streams and
# prompts use the host. Each poll returns within ~100 ms, so Ctrl+C (PipelineStoppedException)
# lands here and the finally block cancels the engine task.

function Invoke-AzRsOperation {
    param(
        [Parameter(Mandatory)][string]$Op,
        $Arguments = @{},
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        # Answers prompt events; gets the prompt's request object, returns the answer value.
        [scriptblock]$OnPrompt
    )
    if ($null -eq $script:AzRsNative) { Initialize-AzRsNativeFor $Cmdlet }
    $native = $script:AzRsNative
    $bytes = ConvertTo-AzRsRequest -Op $Op -Arguments $Arguments
    $environ = Get-AzRsEnvironmentBlock
    $handle = [uint64]0
    $outPtr = [IntPtr]::Zero
    $outLen = [UIntPtr]::Zero
    $rc = $native::azrs_op_begin($bytes, [UIntPtr]::new([uint64]$bytes.Length), $environ, [UIntPtr]::new([uint64]$environ.Length), [ref]$handle, [ref]$outPtr, [ref]$outLen)
    $json = Read-AzRsBuffer -Pointer $outPtr -Length $outLen
    if ($rc -ne 0) { Submit-AzRsError -Json $json -ReturnCode $rc -Cmdlet $Cmdlet; return }

    $finished = $false
    try {
        while (-not $finished) {
            $outPtr = [IntPtr]::Zero
            $outLen = [UIntPtr]::Zero
            $rc = $native::azrs_op_poll($handle, 100, [ref]$outPtr, [ref]$outLen)
            $json = Read-AzRsBuffer -Pointer $outPtr -Length $outLen
            if ($rc -ne 0) { $finished = $true; Submit-AzRsError -Json $json -ReturnCode $rc -Cmdlet $Cmdlet; return }
            if ($json -eq '[]') { continue }
            foreach ($event in @(ConvertFrom-AzRsJson $json)) {
                switch ($event.type) {
                    'verbose' { $Cmdlet.WriteVerbose($event.message) }
                    'debug' { $Cmdlet.WriteDebug($event.message) }
                    'warning' { $Cmdlet.WriteWarning($event.message) }
                    'information' {
                        # Like Write-Host: shown by default, still capturable with -InformationVariable.
                        $message = [System.Management.Automation.HostInformationMessage]::new()
                        $message.Message = $event.message
                        $Cmdlet.WriteInformation($message, [string[]]@('PSHOST'))
                    }
                    'progress' {
                        $record = [System.Management.Automation.ProgressRecord]::new(1, $event.activity, $event.status)
                        $record.PercentComplete = [Math]::Min(100, [Math]::Max(0, [int]$event.percent))
                        if ($event.completed) { $record.RecordType = [System.Management.Automation.ProgressRecordType]::Completed }
                        $Cmdlet.WriteProgress($record)
                    }
                    'prompt' {
                        if ($null -eq $OnPrompt) { $answer = $null } else { $answer = & $OnPrompt $event.request }
                        $reply = [System.Text.Encoding]::UTF8.GetBytes((ConvertTo-AzRsJson @{ id = $event.id; answer = $answer }))
                        $outPtr = [IntPtr]::Zero
                        $outLen = [UIntPtr]::Zero
                        $rc = $native::azrs_op_respond($handle, $reply, [UIntPtr]::new([uint64]$reply.Length), [ref]$outPtr, [ref]$outLen)
                        $null = Read-AzRsBuffer -Pointer $outPtr -Length $outLen
                    }
                    'result' { $finished = $true; $event.value }
                    'error' { $finished = $true; Submit-AzRsError -Json (ConvertTo-AzRsJson $event.error) -ReturnCode 1 -Cmdlet $Cmdlet }
                }
            }
        }
    }
    finally {
        # Ctrl+C or an exception in a handler: stop the engine task before letting go of it.
        if (-not $finished) { $null = $native::azrs_op_cancel($handle) }
        $native::azrs_op_free($handle)
    }
}
