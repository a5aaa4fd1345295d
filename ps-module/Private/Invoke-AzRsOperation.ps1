# The operation loop: starts a long engine operation and drains its events on the pipeline
# thread, so verbose/warning/information/progress lines land in PowerShell's own streams and
# prompts use the host. Each poll returns within ~100 ms, so Ctrl+C (PipelineStoppedException)
# lands here and the finally block stops the engine task.
#
# Every step is an Invoke-AzRsNative call (operation.begin/poll/respond/free through azrs_call),
# not a P/Invoke of its own: the first quick command has already bound and compiled that path,
# and each new P/Invoke method costs a first sign-in ~5 ms. A plain function for the same reason
# (an advanced one's first binding costs ~10 ms more); rare events have helpers of their own,
# because PowerShell compiles a whole function body on its first call.

function Invoke-AzRsOperation {
    # -Op, -Arguments (a hashtable), -Cmdlet (the calling cmdlet: its streams, its errors);
    # -OnPrompt answers prompt events: gets the prompt's request object, returns the answer value.
    param([string]$Op, $Arguments, [System.Management.Automation.PSCmdlet]$Cmdlet, [scriptblock]$OnPrompt)
    # Begin inside the try: a Ctrl+C that lands just after it still frees (cancels) the operation.
    $handle = $null
    $finished = $false
    try {
        $begun = Invoke-AzRsNative -Request (ConvertTo-AzRsRequest -Op $Op -Arguments $Arguments -Begin) -Cmdlet $Cmdlet
        $handle = [string]$begun.handle
        $poll = [System.Text.Encoding]::UTF8.GetBytes('{"op":"operation.poll","args":{"handle":' + $handle + ',"waitMs":100}}')
        while (-not $finished) {
            $json = Invoke-AzRsNative -Request $poll -NoEnvironment -Raw -Cmdlet $Cmdlet
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
                    'progress' { Write-AzRsOperationProgress $Cmdlet $event }
                    'prompt' { Send-AzRsPromptAnswer $handle $event $OnPrompt }
                    'result' { $finished = $true; $event.value }
                    'error' { $finished = $true; Submit-AzRsError -Json (ConvertTo-AzRsJson $event.error) -ReturnCode 1 -Cmdlet $Cmdlet }
                }
            }
        }
    }
    finally {
        # Freeing a running operation cancels it first (Ctrl+C, or an exception in a handler).
        if ($null -ne $handle) { $null = Invoke-AzRsNative -Request ([System.Text.Encoding]::UTF8.GetBytes('{"op":"operation.free","args":{"handle":' + $handle + '}}')) -NoEnvironment -Raw }
    }
}

function Write-AzRsOperationProgress {
    param($Cmdlet, $Progress)
    $record = [System.Management.Automation.ProgressRecord]::new(1, $Progress.activity, $Progress.status)
    $record.PercentComplete = [Math]::Min(100, [Math]::Max(0, [int]$Progress.percent))
    if ($Progress.completed) { $record.RecordType = [System.Management.Automation.ProgressRecordType]::Completed }
    $Cmdlet.WriteProgress($record)
}

function Send-AzRsPromptAnswer {
    param([string]$Handle, $Prompt, [scriptblock]$OnPrompt)
    $answer = $null
    if ($null -ne $OnPrompt) { $answer = & $OnPrompt $Prompt.request }
    $reply = @{ handle = [uint64]$Handle; id = $Prompt.id; answer = $answer }
    $null = Invoke-AzRsNative -Op 'operation.respond' -Arguments $reply -NoEnvironment -Raw
}
