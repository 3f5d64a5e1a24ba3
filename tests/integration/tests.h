#ifndef SHIM_INTEGRATION_TESTS_H
#define SHIM_INTEGRATION_TESTS_H
/* Every integration test, by file, in the order they run (main.c). A test
 * defined but not listed does not compile (-Wmissing-prototypes); one listed
 * but not defined does not link. */
#define INTEGRATION_TESTS(X) \
	/* lifecycle.c */ \
	X(orphans_are_all_reaped) \
	X(exit_codes) \
	X(exec_format_error_has_no_shell_fallback) \
	X(subreaper_outside_pid1_cleans_up_descendants) \
	X(grandchild_holding_stdout_does_not_hang_pid1) \
	X(descendants_ignoring_term_are_killed_after_the_grace) \
	X(kill_phase_never_signals_a_reused_process_group) \
	X(default_grace_ends_inside_dockers_stop_timeout) \
	X(ten_thousand_zombies_are_reaped) \
	/* signals.c */ \
	X(every_forwarded_signal_reaches_the_child) \
	X(usr1_is_forwarded_when_enabled) \
	X(group_mode_signals_the_process_group) \
	X(stop_timeout_kills_a_child_that_ignores_term) \
	X(term_at_start_is_not_lost) \
	X(realtime_signals_reach_the_child_as_pid1) \
	X(realtime_signals_reach_the_child_as_subreaper) \
	X(kill_segv_to_the_subreaper_is_ignored) \
	X(kill_segv_to_pid1_is_ignored) \
	X(real_fault_ends_the_subreaper) \
	X(real_fault_ends_pid1) \
	X(signal_storm_keeps_pid1_flat_and_term_exact) \
	X(term_at_every_stage_of_start_up) \
	/* child.c */ \
	X(child_gets_the_signal_state_and_no_extra_fds) \
	X(pid1_closes_the_descriptors_it_inherited) \
	X(terminal_makes_the_child_the_foreground_group) \
	X(chart_arguments_pass_verbatim) \
	X(node_found_through_the_fallback) \
	X(fallback_directory_is_appended_to_the_childs_path) \
	/* identity.c */ \
	X(root_start_drops_to_65532) \
	X(pid1_is_unprivileged_and_confined) \
	X(chart_start_as_1000_runs_as_1000) \
	X(root_start_with_only_setuid_setgid_setpcap) \
	X(ambient_capabilities_are_cleared) \
	X(numeric_uid_without_passwd_entry) \
	X(explicit_root_target_warns) \
	X(names_resolve_from_passwd_and_group) \
	X(bad_user_values_run_nothing) \
	X(openshift_arbitrary_uid_with_gid_0_runs) \
	X(root_start_to_a_uid_with_gid_0_runs) \
	X(root_home_is_replaced_by_the_targets) \
	/* caps.c */ \
	X(cap_drop_all_root_start_is_refused_with_remedies) \
	X(root_target_with_every_capability_dropped_runs) \
	X(root_target_keeps_group_0_with_every_capability_dropped) \
	X(root_start_keeps_the_runtimes_groups_but_0) \
	X(root_start_without_setpcap) \
	X(keep_net_bind_service_keeps_that_alone) \
	/* cli.c */ \
	X(help_goes_to_stdout_usage_errors_to_stderr) \
	X(check_validates_and_runs_nothing) \
	X(check_decides_as_the_run_does) \
	X(bad_inputs_table) \
	/* seccomp.c */ \
	X(a_json_profile_loads_where_setitimer_is_denied) \
	X(a_seccomp_kill_is_named) \
	X(complain_mode_says_so_at_start) \
	X(escape_syscalls_are_denied) \
	X(complain_mode_reports_and_continues) \
	X(complain_child_needs_only_the_bootstrap_calls) \
	X(broken_profiles_run_nothing) \
	X(printed_profile_loads_back_to_the_same_bpf) \
	X(shipped_profiles_load_in_silence) \
	X(overlapping_argument_rules_are_denied_as_libseccomp_denies) \
	X(a_profile_libseccomp_never_compiles_ends_with_its_error) \
	/* node.c */ \
	X(node_workload_passes_under_the_default_profile) \
	X(node_workload_has_no_would_deny_in_complain_mode) \
	X(docker_default_profile_loads_and_node_runs) \
	X(docker_profile_decides_i386_and_x32_calls_in_the_kernel) \
	/* learn.c */ \
	X(learned_node_profile_enforces_and_is_smaller) \
	X(learn_reports_calls_outside_the_base_and_keeps_enosys) \
	X(learn_keeps_pid1_confined_and_writing) \
	X(killed_learning_run_leaves_a_loadable_profile) \
	X(learn_rewrites_what_the_workload_replaced) \
	X(learn_merges_a_restart_and_refuses_another_base) \
	X(learn_mode_says_so_at_start) \
	X(learn_without_a_writable_location_runs_nothing) \
	/* learn_args.c */ \
	X(learned_arguments_deny_what_node_never_did) \
	/* profiles.c */ \
	X(learned_profiles_merge_and_diff)

#define DECLARE_TEST(name) void name(void **state);
INTEGRATION_TESTS(DECLARE_TEST)
#undef DECLARE_TEST

#endif
