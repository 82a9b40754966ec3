package io.fusion4j.api.router;

import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;

/**
 * What one routing did, for {@code metrics.jsonl}: tokens per expert, the share of input rows (padding left out)
 * taken by no expert, by one, by several, the mean gate of the assignments (1 without gates), and the rows dropped for capacity.
 */
public record RoutingStats(int[] perExpert, double takenByNone, double takenByOne, double takenByMany, double meanGate,
                           long dropped) {

    /** Reads the routing's rows and gates back to count (a few thousand integers a layer); every row counts. */
    public static RoutingStats of(Backend backend, Routing r) {
        return of(backend, r, null);
    }

    /**
     * As {@link #of(Backend, Routing)}, with the shares taken over the rows {@code valid} marks (padding is in no
     * share); null counts every row.
     */
    public static RoutingStats of(Backend backend, Routing r, boolean[] valid) {
        int n = (int) r.tokens();
        int m = (int) r.assignments();
        int[] rows = new int[m];
        if (m > 0) {
            backend.copyToHost(r.rows(), rows);
        }
        int[] per = new int[n];
        for (int i : rows) {
            per[i]++;
        }
        long none = 0;
        long one = 0;
        long counted = 0;
        for (int i = 0; i < n; i++) {
            if (valid != null && !valid[i]) {
                continue;
            }
            counted++;
            none += per[i] == 0 ? 1 : 0;
            one += per[i] == 1 ? 1 : 0;
        }
        double gate = 1;
        if (r.gates() != null && m > 0) {
            float[] g = new float[m];
            backend.copyToHost(r.gates().value(), g);
            double s = 0;
            for (float f : g) {
                s += f;
            }
            gate = s / m;
        } else if (m == 0) {
            gate = 0;
        }
        double d = Math.max(1, counted);
        return new RoutingStats(r.counts().clone(), none / d, one / d, (counted - none - one) / d, gate, r.dropped());
    }

    /**
     * Reports these as metrics named {@code prefix.tokens.<e>}, {@code prefix.taken_none}, {@code .taken_one},
     * {@code .taken_many}, {@code .gate_mean}, {@code .dropped}.
     */
    public void report(LossSink sink, String prefix) {
        for (int e = 0; e < perExpert.length; e++) {
            sink.metric(prefix + ".tokens." + e, perExpert[e]);
        }
        sink.metric(prefix + ".taken_none", takenByNone);
        sink.metric(prefix + ".taken_one", takenByOne);
        sink.metric(prefix + ".taken_many", takenByMany);
        sink.metric(prefix + ".gate_mean", meanGate);
        sink.metric(prefix + ".dropped", dropped);
    }
}
