package io.fusion4j.api.router;

import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.TokenMeta;

/**
 * What one routing did, for {@code metrics.jsonl}: tokens per expert, and per expert the tokens of each modality
 * ({@code byModality[modality.ordinal()][expert]}, null when the rows' modalities were not given), the share of input
 * rows (padding left out) taken by no expert, by one, by several, the mean gate of the assignments (1 without gates),
 * and the rows dropped for capacity.
 */
public record RoutingStats(int[] perExpert, int[][] byModality, double takenByNone, double takenByOne,
                           double takenByMany, double meanGate, long dropped) {

    /** As {@link #of(Backend, Routing, boolean[])}, with each expert's tokens also split by the rows' modality. */
    public static RoutingStats of(Backend backend, Routing r, TokenMeta tokens) {
        Modality[] mod = tokens.hostModalities(backend);
        if (mod.length != r.tokens()) {
            throw new IllegalArgumentException("routing of " + r.tokens() + " rows but token metadata of " + mod.length);
        }
        boolean[] valid = new boolean[mod.length];
        for (int i = 0; i < mod.length; i++) {
            valid[i] = mod[i] != null;
        }
        return of(backend, r, valid, mod);
    }

    /** Reads the routing's rows and gates back to count (a few thousand integers a layer); every row counts. */
    public static RoutingStats of(Backend backend, Routing r) {
        return of(backend, r, (boolean[]) null);
    }

    /**
     * As {@link #of(Backend, Routing)}, with the shares taken over the rows {@code valid} marks (padding is in no
     * share); null counts every row.
     */
    public static RoutingStats of(Backend backend, Routing r, boolean[] valid) {
        return of(backend, r, valid, null);
    }

    private static RoutingStats of(Backend backend, Routing r, boolean[] valid, Modality[] modality) {
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
        int[][] byModality = null;
        if (modality != null) {
            byModality = new int[Modality.values().length][r.experts()];
            int[] off = r.hostOffsets();
            for (int e = 0; e < r.experts(); e++) {
                for (int a = off[e]; a < off[e + 1]; a++) {
                    Modality mod = modality[rows[a]];
                    if (mod != null) {
                        byModality[mod.ordinal()][e]++;
                    }
                }
            }
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
        return new RoutingStats(r.counts().clone(), byModality, none / d, one / d, (counted - none - one) / d, gate, r.dropped());
    }

    /**
     * Reports these as metrics named {@code prefix.tokens.<e>}, with the modality split {@code prefix.tokens.<e>.text}
     * and {@code .image} when known, {@code prefix.taken_none}, {@code .taken_one}, {@code .taken_many},
     * {@code .gate_mean}, {@code .dropped}.
     */
    public void report(LossSink sink, String prefix) {
        for (int e = 0; e < perExpert.length; e++) {
            sink.metric(prefix + ".tokens." + e, perExpert[e]);
            if (byModality != null) {
                for (Modality m : Modality.values()) {
                    sink.metric(prefix + ".tokens." + e + "." + m.name().toLowerCase(java.util.Locale.ROOT),
                            byModality[m.ordinal()][e]);
                }
            }
        }
        sink.metric(prefix + ".taken_none", takenByNone);
        sink.metric(prefix + ".taken_one", takenByOne);
        sink.metric(prefix + ".taken_many", takenByMany);
        sink.metric(prefix + ".gate_mean", meanGate);
        sink.metric(prefix + ".dropped", dropped);
    }
}
