#!/usr/bin/env bash
# Usage: expect_job_failure.sh MODE MPIEXEC PROGRAM
# Runs PROGRAM on two ranks with rank 1 failing in MODE; passes when the job exits non-zero
# within 60 s and its output names rank 1.
set -u
mode=$1 mpiexec=$2 program=$3
start=$(date +%s)
out=$(timeout 90 "$mpiexec" -np 2 "$program" "$mode" 2>&1)
rc=$?
elapsed=$(( $(date +%s) - start ))
echo "$out" | tail -20
echo "exit code $rc after ${elapsed}s"
if [[ $rc -eq 0 || $rc -eq 124 ]]; then echo "FAIL: the job did not fail (or hung)"; exit 1; fi
if (( elapsed > 60 )); then echo "FAIL: the job took ${elapsed}s to end"; exit 1; fi
if grep -q "unreachable" <<<"$out"; then echo "FAIL: a rank went on past the failure"; exit 1; fi
case $mode in
  throw) pattern="rank 1 failed: training step 3: loss is nan" ;;
  hang)  pattern="rank 0 of 2: allreduce .* did not complete within 5 s" ;;
  kill)  pattern="rank 1" ;;
esac
if ! grep -Eq "$pattern" <<<"$out"; then echo "FAIL: no message matching '$pattern'"; exit 1; fi
echo "PASS"
