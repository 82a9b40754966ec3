package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.SwiGluFeedForward;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.nn.TransformerBlock;
import io.fusion4j.api.router.DecisionFlips;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import io.fusion4j.moma.routing.TokenChoiceProvider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The depth-routed block (mixture-of-depths, moma.md §2.1 and §10.9) against independent references: the plain
 * {@link TransformerBlock} it wraps, run on all tokens or on a batch built by hand from only the chosen tokens, and
 * the router's choice recomputed on the host from the router weight. Forward only; gradients are tested elsewhere.
 */
class DepthRoutedBlockTest extends CpuBackendTest {
    private static final int DIM = 16;
    private static final DecoderConfig CFG = new DecoderConfig(32, DIM, 1, 2, 24, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 0f, 0.2f);
    private static final Routers ROUTERS = new Routers(List.of(new ExpertChoiceProvider(), new TokenChoiceProvider(),
            new ModalityProvider(), new DepthProvider()));
    private static final double TOL = 1e-5;

    private StepArena arena;

    @BeforeEach
    void openArena() {
        arena = be.newArena();
    }

    @AfterEach
    void closeArena() throws Exception {
        arena.close();
    }

    /** A depth-routed layer 0 of capacity {@code capacity} around a plain block, parameters allocated. */
    private record Layer(Parameters params, DepthRoutedBlock block, TransformerBlock inner, float[] w) {
    }

    private static Layer layer(double capacity, long seed) {
        Parameters params = new Parameters();
        SwiGluFeedForward ffn = new SwiGluFeedForward(params, "layers.0.ffn", DIM, CFG.ffnHidden(), CFG.initStd());
        TransformerBlock inner = new TransformerBlock(params, "layers.0", CFG, ffn);
        Router r = ROUTERS.create(RouterSpec.of(DepthProvider.NAME, "capacity", capacity),
                new RouterContext(params, "layers.0.depth_router", DIM, 1, 0, CFG.initStd(), ROUTERS));
        DepthRoutedBlock block = new DepthRoutedBlock("layers.0", inner, r);
        params.allocate(be, seed);
        float[] w = new float[DIM];
        be.copyToHost(params.get("layers.0.depth_router").value(), w); // [1, dim]
        return new Layer(params, block, inner, w);
    }

    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    private Tensor upload(float[] x, long rows) {
        Tensor t = arena.allocate(DType.F32, Shape.of(rows, x.length / rows));
        be.copyFromHost(x, t);
        return t;
    }

    private Tensor upload(int[] x, long rows) {
        Tensor t = arena.allocate(DType.I32, Shape.of(rows, x.length / rows));
        be.copyFromHost(x, t);
        return t;
    }

    private static float[] host(Var v) {
        float[] h = new float[(int) v.value().numel()];
        be.copyToHost(v.value(), h);
        return h;
    }

    /** The router's logit {@code x·w} of every row, in double on the host. */
    private static double[] logits(float[] x, float[] w) {
        double[] z = new double[x.length / DIM];
        for (int p = 0; p < z.length; p++) {
            double s = 0;
            for (int d = 0; d < DIM; d++) {
                s += (double) x[p * DIM + d] * w[d];
            }
            z[p] = s;
        }
        return z;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** Text tokens {@code [b, t]} at positions {@code 0..t-1}, one causal document a row. */
    private TokenMeta textTokens(int b, int t) {
        int[] pos = new int[b * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        return TokenMeta.text(upload(new int[b * t], b), upload(pos, b), AttentionMask.causal(b, t));
    }

    private static void assertRowBitsEqual(float[] a, float[] b, int row, String what) {
        for (int d = 0; d < DIM; d++) {
            assertThat(Float.floatToRawIntBits(a[row * DIM + d])).as("%s: row %d, dim %d", what, row, d)
                    .isEqualTo(Float.floatToRawIntBits(b[row * DIM + d]));
        }
    }

    private static boolean rowBitsEqual(float[] a, float[] b, int row) {
        for (int d = 0; d < DIM; d++) {
            if (Float.floatToRawIntBits(a[row * DIM + d]) != Float.floatToRawIntBits(b[row * DIM + d])) {
                return false;
            }
        }
        return true;
    }

    /** The {@code k} positions of each row of length {@code t} with the highest logits (host reference). */
    private static TreeSet<Integer> topK(double[] z, int row, int t, int k, boolean[] valid) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            if (valid == null || valid[row * t + i]) {
                order.add(i);
            }
        }
        order.sort((a, b) -> Double.compare(z[row * t + b], z[row * t + a]));
        // Premise: no near-tie at the cut, where f32 and f64 could rank differently.
        if (order.size() > k) {
            assertThat(z[row * t + order.get(k - 1)] - z[row * t + order.get(k)]).as("logit margin at the cut, row %d", row)
                    .isGreaterThan(1e-4);
        }
        return new TreeSet<>(order.subList(0, Math.min(k, order.size())));
    }

    @Test
    void fullCapacityIsTheGatedResidualOfThePlainBlockOverAllTokens() {
        int b = 2;
        int t = 8;
        Layer l = layer(1.0, 3);
        float[] x = random(11, b * t * DIM);
        TokenMeta tokens = textTokens(b, t);
        Graph g = new Graph(be, arena, false);
        Var xv = g.constant(upload(x, (long) b * t));
        ForwardPass pass = ForwardPass.of(g, tokens);

        float[] out = host(l.block().forward(pass, xv));
        float[] full = host(l.inner().forward(pass, xv)); // Block(x): the same weights over every token
        double[] z = logits(x, l.w());
        double maxDelta = 0;
        for (int p = 0; p < b * t; p++) {
            double s = sigmoid(z[p]);
            for (int d = 0; d < DIM; d++) {
                int i = p * DIM + d;
                double want = x[i] + s * (full[i] - x[i]);
                assertThat((double) out[i]).as("row %d, dim %d", p, d).isCloseTo(want, offset(TOL));
                maxDelta = Math.max(maxDelta, Math.abs(full[i] - x[i]));
            }
            // The gate is no constant: a token's weight is its own sigmoid.
            assertThat(s).isStrictlyBetween(0.0, 1.0);
        }
        assertThat(maxDelta).as("the block changes its input").isGreaterThan(0.1);
    }

    @Test
    void quarterCapacitySkipsExactlyAndRunsTheChosenTokensAmongThemselves() {
        int b = 2;
        int t = 16;
        int k = 4; // floor(0.25 · 16)
        Layer l = layer(0.25, 5);
        float[] x = random(13, b * t * DIM);
        TokenMeta tokens = textTokens(b, t);
        Graph g = new Graph(be, arena, false);
        Var xv = g.constant(upload(x, (long) b * t));
        float[] out = host(l.block().forward(ForwardPass.of(g, tokens), xv));

        double[] z = logits(x, l.w());
        int[] chosen = new int[b * k];
        for (int r = 0; r < b; r++) {
            TreeSet<Integer> top = topK(z, r, t, k, null);
            for (int i = 0; i < t; i++) {
                int p = r * t + i;
                if (top.contains(i)) {
                    assertThat(rowBitsEqual(out, x, p)).as("chosen token %d of row %d is processed", i, r).isFalse();
                } else {
                    assertRowBitsEqual(out, x, p, "skipped token " + i + " of row " + r + " passes unchanged");
                }
            }
            int j = 0;
            for (int i : top) {
                chosen[r * k + j++] = i;
            }
        }

        // Independent reference: a batch of only the chosen tokens, in order, at their original RoPE positions, one
        // causal document a row (what the original causal mask restricted to them is).
        float[] xs = new float[b * k * DIM];
        int[] pos = new int[b * k];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < k; j++) {
                int p = r * t + chosen[r * k + j];
                System.arraycopy(x, p * DIM, xs, (r * k + j) * DIM, DIM);
                pos[r * k + j] = chosen[r * k + j];
            }
        }
        TokenMeta sub = TokenMeta.text(upload(new int[b * k], b), upload(pos, b), AttentionMask.causal(b, k));
        Graph g2 = new Graph(be, arena, false);
        float[] ys = host(l.inner().forward(ForwardPass.of(g2, sub), g2.constant(upload(xs, (long) b * k))));
        float[] full = host(l.inner().forward(ForwardPass.of(g2, tokens), g2.constant(upload(x, (long) b * t))));
        double restriction = 0;
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < k; j++) {
                int p = r * t + chosen[r * k + j];
                double s = sigmoid(z[p]);
                for (int d = 0; d < DIM; d++) {
                    int i = p * DIM + d;
                    float yi = ys[(r * k + j) * DIM + d];
                    assertThat((double) out[i]).as("chosen token %d of row %d, dim %d", chosen[r * k + j], r, d)
                            .isCloseTo(x[i] + s * (yi - x[i]), offset(TOL));
                    restriction = Math.max(restriction, Math.abs(yi - full[i]));
                }
            }
        }
        // Premise: attending among the chosen tokens only is visibly not the block over all tokens.
        assertThat(restriction).isGreaterThan(1e-3);
    }

    /**
     * Two rows of 16 with padding and document starts: row 0 valid to 9 with a document from 4, row 1 full with
     * documents from 5 and 11; images in both.
     */
    private static MixedBatch paddedBatch() {
        int rows = 2;
        int len = 16;
        int[] valid = {9, 16};
        int[][] docs = {{4}, {5, 11}};
        List<ImageSpan> spans = List.of(new ImageSpan(0, 1, 4), new ImageSpan(1, 6, 10));
        int[] ids = new int[rows * len];
        int[] tg = new int[rows * len];
        byte[] mod = new byte[rows * len];
        for (ImageSpan s : spans) {
            for (int i = s.start(); i < s.end(); i++) {
                mod[s.row() * len + i] = (byte) Modality.IMAGE.ordinal();
            }
        }
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = mod[i] == Modality.IMAGE.ordinal() ? 16 + r.nextInt(16) : r.nextInt(16);
            tg[i] = MixedBatch.IGNORE;
        }
        return new MixedBatch(rows, len, ids, tg, mod, mod.clone(), valid, docs, spans, null, 0, DataPosition.START);
    }

    /** Brute force from the batch's definition: same row, both valid, same document, key not after the query. */
    private static boolean visible(MixedBatch mb, int row, int q, int key) {
        if (q >= mb.validLength()[row] || key >= mb.validLength()[row] || key > q) {
            return false;
        }
        for (int s : mb.documentStarts()[row]) {
            if (key < s && q >= s) {
                return false;
            }
        }
        return true;
    }

    @Test
    void paddingIsChosenLastAndTheChosenTokensSeeOnlyTheirOwnDocument() {
        MixedBatch mb = paddedBatch();
        int b = mb.rows();
        int t = mb.length();
        int k = 12; // floor(0.75 · 16): more than row 0's 9 valid tokens, fewer than row 1's 16
        Layer l = layer(0.75, 7);
        float[] x = random(19, b * t * DIM);
        // Padding gets the largest logits of the batch (x·w = 10): a router that ranked it like a token would take it.
        double ww = 0;
        for (float f : l.w()) {
            ww += (double) f * f;
        }
        boolean[] valid = new boolean[b * t];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                int p = r * t + i;
                valid[p] = i < mb.validLength()[r];
                if (!valid[p]) {
                    for (int d = 0; d < DIM; d++) {
                        x[p * DIM + d] = (float) (10 * l.w()[d] / ww);
                    }
                }
            }
        }
        TokenMeta tokens = TokenMeta.upload(be, arena, mb, false);
        Graph g = new Graph(be, arena, false);
        Var xv = g.constant(upload(x, (long) b * t));
        ForwardPass pass = ForwardPass.of(g, tokens);
        Routing routing = l.block().router().route(new RouterInput(pass, xv, tokens));
        int[] rows = new int[Math.toIntExact(routing.assignments())];
        be.copyToHost(routing.rows(), rows);
        assertThat(rows).hasSize(b * k);
        int[] chosen = new int[b * k];
        for (int i = 0; i < rows.length; i++) {
            assertThat(rows[i] / t).as("assignment %d is in its row's block of k", i).isEqualTo(i / k);
            chosen[i] = rows[i] % t;
        }

        // Which tokens: row 0 takes all 9 valid tokens, then the first padding positions; row 1 its top 12 by logit.
        double[] z = logits(x, l.w());
        int[] row0 = Arrays.copyOfRange(chosen, 0, k);
        assertThat(row0).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        TreeSet<Integer> top1 = topK(z, 1, t, k, valid);
        assertThat(Arrays.copyOfRange(chosen, k, 2 * k)).containsExactly(top1.stream().mapToInt(Integer::intValue)
                .toArray());
        // Premise: row 1's chosen tokens come from all three of its documents, so the cut between them matters.
        assertThat(top1.stream().map(p -> p < 5 ? 0 : p < 11 ? 1 : 2).distinct().count()).isEqualTo(3);

        // The original mask matches the brute-force definition, and select() keeps exactly the chosen pairs of it.
        AttentionMask mask = tokens.mask();
        AttentionMask selected = mask.select(chosen, k);
        AttentionMask viaTokens = tokens.select(be, arena, chosen, k).mask();
        long pairs = 0;
        for (int r = 0; r < b; r++) {
            for (int q = 0; q < t; q++) {
                for (int key = 0; key < t; key++) {
                    assertThat(mask.visible(r, q, key)).as("mask row %d, %d sees %d", r, q, key)
                            .isEqualTo(visible(mb, r, q, key));
                }
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    boolean want = visible(mb, r, chosen[r * k + i], chosen[r * k + j]);
                    assertThat(selected.visible(r, i, j)).as("selected row %d: %d (pos %d) sees %d (pos %d)", r, i,
                            chosen[r * k + i], j, chosen[r * k + j]).isEqualTo(want);
                    assertThat(viaTokens.visible(r, i, j)).isEqualTo(want);
                    pairs += want ? 1 : 0;
                }
            }
        }
        assertThat(selected.visiblePairs()).isEqualTo(pairs);
        assertThat(viaTokens.visiblePairs()).isEqualTo(pairs);

        // The block's output: skipped tokens exactly their input; chosen valid tokens as a plain block over a batch
        // of only the chosen tokens, its mask built from the documents they come from (independently of select()).
        float[] out = host(l.block().forward(pass, xv));
        AttentionMask.Builder ref = AttentionMask.builder(b, k).causal(true);
        float[] xs = new float[b * k * DIM];
        int[] pos = new int[b * k];
        for (int r = 0; r < b; r++) {
            int validChosen = 0;
            int doc = -1;
            for (int j = 0; j < k; j++) {
                int p = chosen[r * k + j];
                System.arraycopy(x, (r * t + p) * DIM, xs, (r * k + j) * DIM, DIM);
                pos[r * k + j] = p;
                validChosen += p < mb.validLength()[r] ? 1 : 0;
                int d = 0;
                for (int s : mb.documentStarts()[r]) {
                    d += p >= s ? 1 : 0;
                }
                if (j > 0 && d != doc) {
                    ref.documentStart(r, j);
                }
                doc = d;
            }
            ref.validLength(r, validChosen);
        }
        TokenMeta sub = TokenMeta.text(upload(new int[b * k], b), upload(pos, b), ref.build());
        Graph g2 = new Graph(be, arena, false);
        float[] ys = host(l.inner().forward(ForwardPass.of(g2, sub), g2.constant(upload(xs, (long) b * k))));
        for (int r = 0; r < b; r++) {
            TreeSet<Integer> picked = new TreeSet<>();
            for (int j = 0; j < k; j++) {
                int p = chosen[r * k + j];
                picked.add(p);
                if (p >= mb.validLength()[r]) {
                    continue; // chosen padding: no loss reads it
                }
                int i0 = (r * t + p) * DIM;
                double s = sigmoid(z[r * t + p]);
                for (int d = 0; d < DIM; d++) {
                    float yi = ys[(r * k + j) * DIM + d];
                    assertThat((double) out[i0 + d]).as("chosen token %d of row %d, dim %d", p, r, d)
                            .isCloseTo(x[i0 + d] + s * (yi - x[i0 + d]), offset(TOL));
                }
            }
            for (int p = 0; p < t; p++) {
                if (!picked.contains(p)) {
                    assertRowBitsEqual(out, x, r * t + p, "skipped token " + p + " of row " + r);
                }
            }
        }
    }

    /** The rows the layer's router takes under {@code mode}, as flat indices. */
    private TreeSet<Integer> routed(Layer l, Graph g, Var xv, TokenMeta tokens, RoutingMode mode) {
        Routing r = l.block().router().route(new RouterInput(new ForwardPass(g, tokens, LossSink.NONE, null, mode), xv,
                tokens));
        int[] rows = new int[(int) r.assignments()];
        be.copyToHost(r.rows(), rows);
        for (int i = 1; i < rows.length; i++) {
            assertThat(rows[i]).as("rows ascend").isGreaterThan(rows[i - 1]);
        }
        TreeSet<Integer> out = new TreeSet<>();
        Arrays.stream(rows).forEach(out::add);
        return out;
    }

    @Test
    void flippedDecisionsTurnOverTheBatchChoiceAndTheBlockFollowsThem() {
        int b = 2;
        int t = 16;
        Layer l = layer(0.25, 5);
        float[] x = random(13, b * t * DIM);
        TokenMeta tokens = textTokens(b, t);
        Graph g = new Graph(be, arena, false);
        Var xv = g.constant(upload(x, (long) b * t));
        TreeSet<Integer> batch = routed(l, g, xv, tokens, RoutingMode.BATCH);
        assertThat(batch).hasSize(8);
        assertThat(routed(l, g, xv, tokens, RoutingMode.flipped(new DecisionFlips(0, 1)))).isEqualTo(batch);
        TreeSet<Integer> all = routed(l, g, xv, tokens, RoutingMode.flipped(new DecisionFlips(1, 1)));
        for (int p = 0; p < b * t; p++) {
            assertThat(all.contains(p)).as("row %d, every decision flipped", p).isEqualTo(!batch.contains(p));
        }
        TreeSet<Integer> some = routed(l, g, xv, tokens, RoutingMode.flipped(new DecisionFlips(0.3, 7)));
        assertThat(routed(l, g, xv, tokens, RoutingMode.flipped(new DecisionFlips(0.3, 7)))).isEqualTo(some);
        TreeSet<Integer> differ = new TreeSet<>(some);
        differ.addAll(batch);
        TreeSet<Integer> both = new TreeSet<>(some);
        both.retainAll(batch);
        differ.removeAll(both);
        assertThat(differ).as("decisions flipped at 30%% of 32").isNotEmpty().hasSizeLessThan(20);

        // At full capacity every decision flipped leaves no token for the block: all pass unchanged.
        Layer full = layer(1.0, 5);
        assertThat(routed(full, g, xv, tokens, RoutingMode.flipped(new DecisionFlips(1, 1)))).isEmpty();
        float[] none = host(full.block().forward(new ForwardPass(g, tokens, LossSink.NONE, null,
                RoutingMode.flipped(new DecisionFlips(1, 1))), xv));
        for (int p = 0; p < b * t; p++) {
            assertRowBitsEqual(none, x, p, "row " + p + ", no token chosen");
        }

        // The block runs exactly the flipped choice: skipped rows pass unchanged, chosen ones are processed.
        float[] out = host(l.block().forward(new ForwardPass(g, tokens, LossSink.NONE, null,
                RoutingMode.flipped(new DecisionFlips(0.3, 7))), xv));
        for (int p = 0; p < b * t; p++) {
            if (some.contains(p)) {
                assertThat(rowBitsEqual(out, x, p)).as("chosen row %d is processed", p).isFalse();
            } else {
                assertRowBitsEqual(out, x, p, "skipped row " + p + " passes unchanged");
            }
        }
    }
}
