# The control plane split into parts (configs, runs, budgets, variables): every rename of a
# public name callers use, for GNU sed. Apply, then let ruff merge the imports it splits:
#   sed -i -f RENAMES.sed FILE...
#   ruff check --fix --select I,F401 FILE... && ruff format FILE...
# It is idempotent. A caller's variable for the control plane may be control_plane, plane,
# self.control_plane or server.control_plane (\b matches after the dot).

# ControlPlane's methods and attributes, now on its parts ---------------------------------
s/\b\(control_plane\|plane\)\.get_config(/\1.configs.get(/g
s/\b\(control_plane\|plane\)\.sync_put(/\1.configs.put(/g
s/\b\(control_plane\|plane\)\.sync_move(/\1.configs.move(/g
s/\b\(control_plane\|plane\)\.sync_delete(/\1.configs.delete(/g
s/\b\(control_plane\|plane\)\.sync_restore(/\1.configs.restore(/g
s/\b\(control_plane\|plane\)\.sync_error(/\1.configs.set_sync_error(/g
s/\b\(control_plane\|plane\)\.start_run(/\1.runs.start(/g
s/\b\(control_plane\|plane\)\.replay(/\1.runs.replay(/g
s/\b\(control_plane\|plane\)\.start_cron_run(/\1.runs.start_cron(/g
s/\b\(control_plane\|plane\)\.get_run(/\1.runs.get(/g
s/\b\(control_plane\|plane\)\.list_runs(/\1.runs.find(/g
s/\b\(control_plane\|plane\)\.cancel(/\1.runs.cancel(/g
s/\b\(control_plane\|plane\)\.emit(/\1.runs.emit(/g
s/\b\(control_plane\|plane\)\.bus\b/\1.runs.bus/g
s/\b\(control_plane\|plane\)\.runner\b/\1.runs.runner/g
s/\b\(control_plane\|plane\)\.budget(/\1.budgets.account(/g
s/\b\(control_plane\|plane\)\.usage(/\1.budgets.usage(/g
s/\b\(control_plane\|plane\)\.list_variables(/\1.variables.infos(/g
s/\b\(control_plane\|plane\)\.put_variables(/\1.variables.put(/g
s/\b\(control_plane\|plane\)\.delete_variable(/\1.variables.delete(/g

# ... and named as strings, as monkeypatch.setattr(control_plane, "list_runs", ...) does
s/\b\(control_plane\|plane\), "get_config"/\1.configs, "get"/g
s/\b\(control_plane\|plane\), "sync_put"/\1.configs, "put"/g
s/\b\(control_plane\|plane\), "sync_move"/\1.configs, "move"/g
s/\b\(control_plane\|plane\), "sync_delete"/\1.configs, "delete"/g
s/\b\(control_plane\|plane\), "sync_restore"/\1.configs, "restore"/g
s/\b\(control_plane\|plane\), "sync_error"/\1.configs, "set_sync_error"/g
s/\b\(control_plane\|plane\), "start_run"/\1.runs, "start"/g
s/\b\(control_plane\|plane\), "replay"/\1.runs, "replay"/g
s/\b\(control_plane\|plane\), "start_cron_run"/\1.runs, "start_cron"/g
s/\b\(control_plane\|plane\), "get_run"/\1.runs, "get"/g
s/\b\(control_plane\|plane\), "list_runs"/\1.runs, "find"/g
s/\b\(control_plane\|plane\), "cancel"/\1.runs, "cancel"/g
s/\b\(control_plane\|plane\), "emit"/\1.runs, "emit"/g
s/\b\(control_plane\|plane\), "bus"/\1.runs, "bus"/g
s/\b\(control_plane\|plane\), "runner"/\1.runs, "runner"/g
s/\b\(control_plane\|plane\), "budget"/\1.budgets, "account"/g
s/\b\(control_plane\|plane\), "usage"/\1.budgets, "usage"/g
s/\b\(control_plane\|plane\), "list_variables"/\1.variables, "infos"/g
s/\b\(control_plane\|plane\), "put_variables"/\1.variables, "put"/g
s/\b\(control_plane\|plane\), "delete_variable"/\1.variables, "delete"/g

# Imports from control_plane: first one name an import line ------------------------------
/^from agentsync\.localserver\.control_plane import ($/,/^)$/{
  /^from /d
  /^)$/d
  s/^ *\([A-Za-z_][A-Za-z_0-9]*\),$/from agentsync.localserver.control_plane import \1/
}
:split
s/^\( *\)from agentsync\.localserver\.control_plane import \([A-Za-z_0-9]*\), /\1from agentsync.localserver.control_plane import \2\n\1from agentsync.localserver.control_plane import /M
t split

# ... then each name from the module that now holds it ------------------------------------
s/^\( *\)from agentsync\.localserver\.control_plane import \(ServerSettings\)$/\1from agentsync.localserver.settings import \2/Mg
s/^\( *\)from agentsync\.localserver\.control_plane import \(BUILTIN_TEMPLATES\)$/\1from agentsync.localserver.templates import \2/Mg
s/^\( *\)from agentsync\.localserver\.control_plane import \(StartRunRequest\|ReplayRequest\|EventBus\)$/\1from agentsync.localserver.runs import \2/Mg
s/^\( *\)from agentsync\.localserver\.control_plane import \(Budget\|BudgetWindow\|Usage\|UsageDay\|UsageDailyPoint\|ModelUsage\)$/\1from agentsync.localserver.budgets import \2/Mg
s/^\( *\)from agentsync\.localserver\.control_plane import \(VariableInfo\|MAX_VARIABLE_NAME\|MAX_VARIABLE_VALUE\)$/\1from agentsync.localserver.variables import \2/Mg

# Other moves ------------------------------------------------------------------------------
s/\bagentsync\.localserver\.control_plane\.validate_yaml\b/agentsync.localserver.configs.validate_yaml/g
s/^\( *\)from agentsync\.lint\.rules\.sandbox_compute import timeout_seconds$/\1from agentsync.config.reference import timeout_seconds/
s/^\( *\)from agentsync\.localserver\.store import Store$/\1from agentsync.localserver.store import SQLiteStore/
