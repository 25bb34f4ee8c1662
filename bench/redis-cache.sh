#!/bin/bash
# capture --no-store from a saturating simulator, without and with --redis; events/s from the summary
B=${ODDSTAP_CLI:-build/ci/app/oddstap-cli}
RP=${REDIS_PORT:?set REDIS_PORT to a Redis on 127.0.0.1 (scripts/services start prints it)}
N=1000000
for round in 1 2; do
  for mode in plain redis; do
    redis-cli -p $RP flushdb >/dev/null
    $B simulate --port 0 --rate 0 --count $N --fixtures 1000 --seed 7 > ${TMPDIR:-/tmp}/rb.sim 2>&1 &
    SP=$!
    sleep 0.5
    U=$(grep -o "ws://[0-9.:]*" ${TMPDIR:-/tmp}/rb.sim)
    extra=(); [ $mode = redis ] && extra=(--redis redis://127.0.0.1:$RP)
    /usr/bin/time -f "%e s %U user %S sys %M KB" $B capture --url $U --no-store --count $N --quiet --summary none --summary-json ${TMPDIR:-/tmp}/rb.json "${extra[@]}" 2> ${TMPDIR:-/tmp}/rb.time
    kill $SP; wait $SP 2>/dev/null
    python3 -c "
import json; d=json.load(open('${TMPDIR:-/tmp}/rb.json'))
ms=d['duration_ms']; n=d.get('accepted_total',0)
print('$mode', round(n/(ms/1000)), 'events/s', ms, 'ms', open('${TMPDIR:-/tmp}/rb.time').read().strip().splitlines()[-1])"
  done
done
echo "keys: $(redis-cli -p $RP dbsize)"
