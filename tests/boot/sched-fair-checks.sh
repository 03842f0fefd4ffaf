# sched-fair-checks.sh - log checks of the weight 1:2:4 boot tests
# (65-sched-fair-vmx.sh, 66-sched-fair-svm-bochs-ryzen.sh), sourced after the
# emulator ran: VMs a1 a2 a4 b1 b2 b4 (weights 100, 200, 400; two CPUs, not
# pinned) each printed "count N"; the shares of the total must be within
# 10 % of 1/14, 2/14, 4/14, and both CPUs must have run vCPUs.
bt_expect 'sched: credit policy, 10000 us slices, 2 CPUs' "'sched: credit policy, 10000 us slices, 2 CPUs' (the default slice)"
for g in a1 a2 a4 b1 b2 b4; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
counts=$(for g in a1 a2 a4 b1 b2 b4; do
	c=$(grep -a -E "\\[$g\\] count [0-9]+" "$BT_LOG" | tr -d '\r' | sed 's/.*count //' | head -n1)
	echo "${c:-0}"
done | tr '\n' ' ')
fair=$(echo "$counts" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i
	if (NF != 6 || s == 0) { print "missing"; exit }
	split("1 2 4 1 2 4", w, " "); bad = 0; out = ""
	for (i = 1; i <= 6; i++) { share = $i / s; want = w[i] / 14; err = (share - want) / want
		out = out sprintf(" %.4f(%+.1f%%)", share, err * 100)
		if (err > 0.10 || err < -0.10) bad = 1 }
	print (bad ? "bad" : "ok") out }')
echo "    $BT_NAME: counts a1 a2 a4 b1 b2 b4: $counts; shares (error vs 1/14 2/14 4/14):${fair#ok}" >&2
case "$fair" in
	ok*) ;;
	*) bt_fail "weights 1:2:4 not shared within 10 %: counts $counts, shares ${fair#bad}" ;;
esac
bt_expect 'sched: cpu 0 ran [1-9][0-9]* vCPU switches' "'sched: cpu 0 ran N vCPU switches'"
bt_expect 'sched: cpu 1 ran [1-9][0-9]* vCPU switches' "'sched: cpu 1 ran N vCPU switches' (vCPUs ran on the second CPU)"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z0-9]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
