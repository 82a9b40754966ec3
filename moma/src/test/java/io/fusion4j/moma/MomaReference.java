package io.fusion4j.moma;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Double-precision reference of the MoMa routing and expert math, written from moma.md (§1.2, §8.1, §10.2) and the
 * Javadoc of the routers and of {@link ExpertFeedForward}, sharing no code with them. Capacity factors are exact
 * fractions {@code num/den}, so the reference's {@code ceil} has no rounding question.
 */
final class MomaReference {
    private MomaReference() {
    }

    /** One routing: per expert, row → gate, in the order the expert took them, and how close a choice came to flip. */
    record Routed(List<Map<Integer, Double>> perExpert, double margin, long dropped, Map<String, Double> auxSums) {
        int experts() {
            return perExpert.size();
        }

        /** How many experts took each of {@code n} rows. */
        int[] takenBy(int n) {
            int[] c = new int[n];
            for (Map<Integer, Double> m : perExpert) {
                for (int row : m.keySet()) {
                    c[row]++;
                }
            }
            return c;
        }
    }

    /** {@code ceil(a / b)} for a >= 0, b > 0. */
    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Expert-choice k for a group of n rows: {@code clamp(ceil(c·n/E), 1, n)} with {@code c = num/den}, 0 for n = 0. */
    static int expertChoiceK(long num, long den, int n, int experts) {
        if (n == 0) {
            return 0;
        }
        return (int) Math.max(1, Math.min(n, ceilDiv(num * n, den * experts)));
    }

    /** {@code x [n, d] · wᵀ} for a router weight {@code w [E, d]}: logits {@code [n][E]}. */
    static double[][] logits(double[] x, int n, int d, double[] w, int experts) {
        double[][] z = new double[n][experts];
        for (int t = 0; t < n; t++) {
            for (int e = 0; e < experts; e++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[t * d + j] * w[e * d + j];
                }
                z[t][e] = s;
            }
        }
        return z;
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double[] p = new double[z.length];
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            s += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    static double logSumExp(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }

    /** Indices {@code 0..n-1} by {@code score} descending, ties to the lower index. */
    static Integer[] rank(int n, java.util.function.IntToDoubleFunction score) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(score::applyAsDouble).reversed()
                .thenComparingInt(i -> i));
        return order;
    }

    /**
     * Expert choice over a group with logits {@code z [n][E]}: scores sigmoid per entry or softmax per row; expert e
     * takes the k rows with its highest scores (ties to the lower row), gated by its score. The margin is the smallest
     * gap between an expert's k-th and (k+1)-th score (infinite when it takes every row).
     */
    static Routed expertChoice(double[][] z, int experts, boolean softmax, long num, long den) {
        int n = z.length;
        double[][] s = new double[n][];
        for (int t = 0; t < n; t++) {
            if (softmax) {
                s[t] = softmax(z[t]);
            } else {
                s[t] = new double[experts];
                for (int e = 0; e < experts; e++) {
                    s[t][e] = sigmoid(z[t][e]);
                }
            }
        }
        int k = expertChoiceK(num, den, n, experts);
        List<Map<Integer, Double>> per = new ArrayList<>();
        double margin = Double.POSITIVE_INFINITY;
        for (int e = 0; e < experts; e++) {
            int ee = e;
            Integer[] order = rank(n, t -> s[t][ee]);
            Map<Integer, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < k; i++) {
                m.put(order[i], s[order[i]][e]);
            }
            if (k < n) {
                margin = Math.min(margin, s[order[k - 1]][e] - s[order[k]][e]);
            }
            per.add(m);
        }
        return new Routed(per, margin, 0, Map.of());
    }

    /**
     * Token choice over a group with logits {@code z [n][E]}: {@code p = softmax(z)}, each row its k most probable
     * experts (ties to the lower expert) gated by p; with {@code capNum > 0} an expert keeps the first
     * {@code min(n, ceil(c·n·k/E))} assignments in row order and drops the rest. Aux sums over rows, as the router
     * reports them: {@code balance = Σ_t E Σ_e f_e p_te} (f_e the share of assignments before capacity) and
     * {@code z = Σ_t lse_t²}, keyed {@code "balance"} and {@code "z"}. The margin is the smallest gap between a row's
     * k-th and (k+1)-th probability.
     */
    static Routed tokenChoice(double[][] z, int experts, int k, long capNum, long capDen) {
        int n = z.length;
        int limit = capNum <= 0 ? n : (int) Math.min(n, ceilDiv(capNum * n * k, capDen * experts));
        List<Map<Integer, Double>> per = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            per.add(new LinkedHashMap<>());
        }
        double[][] p = new double[n][];
        int[] wanted = new int[experts];
        long dropped = 0;
        double margin = Double.POSITIVE_INFINITY;
        double zSum = 0;
        for (int t = 0; t < n; t++) {
            p[t] = softmax(z[t]);
            double[] pt = p[t];
            Integer[] order = rank(experts, e -> pt[e]);
            if (k < experts) {
                margin = Math.min(margin, pt[order[k - 1]] - pt[order[k]]);
            }
            for (int j = 0; j < k; j++) {
                int e = order[j];
                wanted[e]++;
                if (per.get(e).size() < limit) {
                    per.get(e).put(t, pt[e]);
                } else {
                    dropped++;
                }
            }
            double lse = logSumExp(z[t]);
            zSum += lse * lse;
        }
        double balance = 0;
        for (int t = 0; t < n; t++) {
            for (int e = 0; e < experts; e++) {
                balance += experts * (wanted[e] / (double) ((long) n * k)) * p[t][e];
            }
        }
        return new Routed(per, margin, dropped, Map.of("balance", balance, "z", zSum));
    }

    /** {@code w2 (silu(w1 x) ⊙ w3 x)} for one row {@code x [d]}, {@code w1, w3 [h, d]}, {@code w2 [d, h]}. */
    static double[] swiglu(double[] x, int xOff, int d, int h, double[] w1, double[] w3, double[] w2) {
        double[] a = new double[h];
        for (int i = 0; i < h; i++) {
            double g = 0;
            double u = 0;
            for (int j = 0; j < d; j++) {
                g += w1[i * d + j] * x[xOff + j];
                u += w3[i * d + j] * x[xOff + j];
            }
            a[i] = g / (1 + Math.exp(-g)) * u;
        }
        double[] y = new double[d];
        for (int o = 0; o < d; o++) {
            double s = 0;
            for (int i = 0; i < h; i++) {
                s += w2[o * h + i] * a[i];
            }
            y[o] = s;
        }
        return y;
    }
}
