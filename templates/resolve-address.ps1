# imp credentials: the mailbox an address belongs to, so that a password is stored and read under the
# mailbox's primary SMTP address, never under an alias. Read-only.
# Input ($Parameters): address. Output: mailbox (null when no mailbox has this address: an admin's UPN
# for --exchange-credential, say).

Assert-ImpCommands @('Get-Mailbox -Identity')
$mailbox = $null
try { $mailbox = Get-ImpMailbox ([string]$Parameters.address) }
catch {
    if (-not (Test-ImpNotFound $_)) { throw }
}
[pscustomobject]@{ mailbox = $mailbox }
