<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name>KeyPolicyDraft</name>
    <message numerus="yes">
        <source>A key may live at most %n day(s).</source>
        <translation>
            <numerusform>A key may live at most %n day.</numerusform><numerusform>A key may live at most %n days.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>; at most %n call(s) and %1 a minute</source>
        <translation>
            <numerusform>; at most %n call and %1 a minute</numerusform><numerusform>; at most %n calls and %1 a minute</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>; at most %n call(s) a minute</source>
        <translation>
            <numerusform>; at most %n call a minute</numerusform><numerusform>; at most %n calls a minute</numerusform></translation>
    </message>
</context>
<context>
    <name>TimeFormatter</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform><numerusform>%n s</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform><numerusform>%n min</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n h</numerusform><numerusform>%n h</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform><numerusform>%n days</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::AdminKeysPage</name>
    <message numerus="yes">
        <source>%n admin key(s) · %1 active</source>
        <translation>
            <numerusform>%n admin key · %1 active</numerusform><numerusform>%n admin keys · %1 active</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::AlertBell</name>
    <message numerus="yes">
        <source>Notifications: %n unacknowledged</source>
        <translation>
            <numerusform>Notifications: %n unacknowledged</numerusform><numerusform>Notifications: %n unacknowledged</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%1 — %n new notification(s)</source>
        <translation>
            <numerusform>%1 — %n new notification</numerusform><numerusform>%1 — %n new notifications</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%1, and %n more. Click to see them all.</source>
        <translation>
            <numerusform>%1, and %n more. Click to see them all.</numerusform><numerusform>%1, and %n more. Click to see them all.</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::AuditLogPage</name>
    <message numerus="yes">
        <source>%n call(s)</source>
        <translation>
            <numerusform>%n call</numerusform><numerusform>%n calls</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Exported %n call(s) to %1.</source>
        <translation>
            <numerusform>Exported %n call to %1.</numerusform><numerusform>Exported %n calls to %1.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n new call(s) — show</source>
        <translation>
            <numerusform>%n new call — show</numerusform><numerusform>%n new calls — show</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n action(s)</source>
        <translation>
            <numerusform>%n action</numerusform><numerusform>%n actions</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n row(s)</source>
        <translation>
            <numerusform>%n row</numerusform><numerusform>%n rows</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::BlockListModel</name>
    <message numerus="yes">
        <source>%n call(s)</source>
        <translation>
            <numerusform>%n call</numerusform><numerusform>%n calls</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>, %n issuance(s)</source>
        <translation>
            <numerusform>, %n issuance</numerusform><numerusform>, %n issuances</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::BlocksPage</name>
    <message numerus="yes">
        <source>%n active block(s)</source>
        <translation>
            <numerusform>%n active block</numerusform><numerusform>%n active blocks</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::ConnectionMonitor</name>
    <message numerus="yes">
        <source>Connected. Data refreshes every %n second(s).</source>
        <translation>
            <numerusform>Connected. Data refreshes every %n second.</numerusform><numerusform>Connected. Data refreshes every %n seconds.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>The server has not answered for %n second(s). The figures shown may be out of date.</source>
        <translation>
            <numerusform>The server has not answered for %n second. The figures shown may be out of date.</numerusform><numerusform>The server has not answered for %n seconds. The figures shown may be out of date.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>● Connected · polling every %n s</source>
        <translation>
            <numerusform>● Connected · polling every %n s</numerusform><numerusform>● Connected · polling every %n s</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::CreateAdminKeyDialog</name>
    <message numerus="yes">
        <source>Copy puts the key on the clipboard for %n second(s), then clears it.</source>
        <translation>
            <numerusform>Copy puts the key on the clipboard for %n second, then clears it.</numerusform><numerusform>Copy puts the key on the clipboard for %n seconds, then clears it.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Copied. The clipboard will be cleared in %n second(s).</source>
        <translation>
            <numerusform>Copied. The clipboard will be cleared in %n second.</numerusform><numerusform>Copied. The clipboard will be cleared in %n seconds.</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::KeyDetailsPanel</name>
    <message numerus="yes">
        <source>at most %n call(s) a minute</source>
        <translation>
            <numerusform>at most %n call a minute</numerusform><numerusform>at most %n calls a minute</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::OneTimeSecretDialog</name>
    <message numerus="yes">
        <source>Copy puts the key on the clipboard for %n second(s), then clears it.</source>
        <translation>
            <numerusform>Copy puts the key on the clipboard for %n second, then clears it.</numerusform><numerusform>Copy puts the key on the clipboard for %n seconds, then clears it.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Copied. The clipboard will be cleared in %n second(s).</source>
        <translation>
            <numerusform>Copied. The clipboard will be cleared in %n second.</numerusform><numerusform>Copied. The clipboard will be cleared in %n seconds.</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::OverviewPage</name>
    <message numerus="yes">
        <source>%n live key(s) at 80 % of the cap or more, fullest first; Enter opens one</source>
        <translation>
            <numerusform>%n live key at 80 % of the cap or more, fullest first; Enter opens one</numerusform><numerusform>%n live keys at 80 % of the cap or more, fullest first; Enter opens one</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::ReportsPage</name>
    <message numerus="yes">
        <source>%1
%2 spent, %3 held, %n call(s)</source>
        <translation>
            <numerusform>%1
%2 spent, %3 held, %n call</numerusform><numerusform>%1
%2 spent, %3 held, %n calls</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) with calls in the range; the chart shows the top %1</source>
        <translation>
            <numerusform>%n run with calls in the range; the chart shows the top %1</numerusform><numerusform>%n runs with calls in the range; the chart shows the top %1</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n agent(s): %1 spent, %2 held, %3 calls, %4 blocked · %5</source>
        <translation>
            <numerusform>%n agent: %1 spent, %2 held, %3 calls, %4 blocked · %5</numerusform><numerusform>%n agents: %1 spent, %2 held, %3 calls, %4 blocked · %5</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) in %1: %2 spent (%3), %4 calls, %5 blocked</source>
        <translation>
            <numerusform>%n day in %1: %2 spent (%3), %4 calls, %5 blocked</numerusform><numerusform>%n days in %1: %2 spent (%3), %4 calls, %5 blocked</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s) as of %1. %2</source>
        <translation>
            <numerusform>%n finding as of %1. %2</numerusform><numerusform>%n findings as of %1. %2</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Range: calls from %1 until %2 (the last %n spend day(s))</source>
        <translation>
            <numerusform>Range: calls from %1 until %2 (the last %n spend day)</numerusform><numerusform>Range: calls from %1 until %2 (the last %n spend days)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Range: %1 until %2 (the last %n spend day(s))</source>
        <translation>
            <numerusform>Range: %1 until %2 (the last %n spend day)</numerusform><numerusform>Range: %1 until %2 (the last %n spend days)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to %1.</source>
        <translation>
            <numerusform>Exported %n row to %1.</numerusform><numerusform>Exported %n rows to %1.</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::RunDetailModel</name>
    <message numerus="yes">
        <source> · %n call(s)</source>
        <translation>
            <numerusform> · %n call</numerusform><numerusform> · %n calls</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::RunExport</name>
    <message numerus="yes">
        <source>Reading the run's calls… %n read</source>
        <translation>
            <numerusform>Reading the run's calls… %n read</numerusform><numerusform>Reading the run's calls… %n read</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Denials: %n (each with its time in the JSON file)</source>
        <translation>
            <numerusform>Denials: %n (each with its time in the JSON file)</numerusform><numerusform>Denials: %n (each with its time in the JSON file)</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::RunTableModel</name>
    <message numerus="yes">
        <source>%n key(s) of this run can still make calls</source>
        <translation>
            <numerusform>%n key of this run can still make calls</numerusform><numerusform>%n keys of this run can still make calls</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Ended: %n of its key(s) revoked, the rest expired</source>
        <translation>
            <numerusform>Ended: %n of its key revoked, the rest expired</numerusform><numerusform>Ended: %n of its keys revoked, the rest expired</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%1 of its %n live key(s) capped today; the others can still make calls</source>
        <translation>
            <numerusform>%1 of its %n live key capped today; the others can still make calls</numerusform><numerusform>%1 of its %n live keys capped today; the others can still make calls</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::RunawayDetector</name>
    <message numerus="yes">
        <source>Retry spiral: the same call %n times in the last minute</source>
        <translation>
            <numerusform>Retry spiral: the same call %n times in the last minute</numerusform><numerusform>Retry spiral: the same call %n times in the last minute</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Denial burst: %n calls refused by the allowlist in a minute (possible prompt injection)</source>
        <translation>
            <numerusform>Denial burst: %n calls refused by the allowlist in a minute (possible prompt injection)</numerusform><numerusform>Denial burst: %n calls refused by the allowlist in a minute (possible prompt injection)</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::RunsPage</name>
    <message numerus="yes">
        <source>%n new run(s) — show</source>
        <translation>
            <numerusform>%n new run — show</numerusform><numerusform>%n new runs — show</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::StopRunsDialog</name>
    <message numerus="yes">
        <source>Stop %n key(s)</source>
        <translation>
            <numerusform>Stop %n key</numerusform><numerusform>Stop %n keys</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>This stops %n key(s), %1 held.</source>
        <translation>
            <numerusform>This stops %n key, %1 held.</numerusform><numerusform>This stops %n keys, %1 held.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Stopped %n key(s) at %1 %2.</source>
        <translation>
            <numerusform>Stopped %n key at %1 %2.</numerusform><numerusform>Stopped %n keys at %1 %2.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Stop %n key(s) and block</source>
        <translation>
            <numerusform>Stop %n key and block</numerusform><numerusform>Stop %n keys and block</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n call(s)</source>
        <translation>
            <numerusform>%n call</numerusform><numerusform>%n calls</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n new key(s)</source>
        <translation>
            <numerusform>%n new key</numerusform><numerusform>%n new keys</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::VaultKeysPage</name>
    <message numerus="yes">
        <source>Revoked %n key(s).</source>
        <translation>
            <numerusform>Revoked %n key.</numerusform><numerusform>Revoked %n keys.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) loaded · %1 active</source>
        <translation>
            <numerusform>%n key loaded · %1 active</numerusform><numerusform>%n keys loaded · %1 active</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Revoke %n vault key(s) on %1?

Every agent using them gets 401 on its next call. Revoking cannot be undone.</source>
        <translation>
            <numerusform>Revoke %n vault key on %1?

Every agent using them gets 401 on its next call. Revoking cannot be undone.</numerusform><numerusform>Revoke %n vault keys on %1?

Every agent using them gets 401 on its next call. Revoking cannot be undone.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Revoke %n key(s)</source>
        <translation>
            <numerusform>Revoke %n key</numerusform><numerusform>Revoke %n keys</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>The server has not answered for %n second(s).</source>
        <translation>
            <numerusform>The server has not answered for %n second.</numerusform><numerusform>The server has not answered for %n seconds.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n new key(s)</source>
        <translation>
            <numerusform>%n new key</numerusform><numerusform>%n new keys</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) left the list</source>
        <translation>
            <numerusform>%n key left the list</numerusform><numerusform>%n keys left the list</numerusform></translation>
    </message>
</context>
<context>
    <name>keybrake::VendorDailyModel</name>
    <message numerus="yes">
        <source>%1 on %2: %3 settled, %4 held, %n call(s), %5 blocked</source>
        <translation>
            <numerusform>%1 on %2: %3 settled, %4 held, %n call, %5 blocked</numerusform><numerusform>%1 on %2: %3 settled, %4 held, %n calls, %5 blocked</numerusform></translation>
    </message>
</context>
</TS>