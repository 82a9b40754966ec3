package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.LayerNorm;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.tck.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

class KvCacheTest {

    /** Decoding token by token with the cache gives the logits of a full causal forward at every position. */
    @ParameterizedTest
    @EnumSource(NormPlacement.class)
    void cachedDecodingMatchesTheFullForward(NormPlacement norm) {
        DecoderConfig cfg = new DecoderConfig(23, 32, 2, 4, 48, 10000f, 1e-5f, norm, norm == NormPlacement.CHAMELEON,
                0f, 0.3f);
        int t = 11;
        int[] ids = new SplittableRandom(4).ints(t, 0, cfg.vocab()).toArray();
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 9);
            Tensor tid = be.allocate(DType.I32, Shape.of(1, t));
            Tensor pos = be.allocate(DType.I32, Shape.of(1, t));
            int[] p = new int[t];
            for (int i = 0; i < t; i++) {
                p[i] = i;
            }
            be.copyFromHost(ids, tid);
            be.copyFromHost(p, pos);
            Var full = dec.logits(new Graph(be, arena, false), tid, pos, AttentionMask.causal(1, t));
            float[] expected = new float[t * cfg.vocab()];
            be.copyToHost(full.value(), expected);

            KvCache cache = new KvCache(be, cfg, 16);
            for (int i = 0; i < t; i++) {
                Var step = dec.decodeStep(new Graph(be, arena, false), ids[i], cache);
                float[] got = new float[cfg.vocab()];
                be.copyToHost(step.value(), got);
                for (int v = 0; v < cfg.vocab(); v++) {
                    assertThat(got[v]).as("position %d logit %d", i, v)
                            .isCloseTo(expected[i * cfg.vocab() + v], org.assertj.core.data.Offset.offset(2e-5f));
                }
            }
            assertThat(cache.length()).isEqualTo(t);
            for (int l = 0; l < cfg.layers(); l++) {
                assertThat(cache.length(l)).isEqualTo(t);
            }
            // Roll back to 2 positions and decode the rest again: the same logits as the uninterrupted decode.
            cache.truncate(2);
            assertThat(cache.position()).isEqualTo(2);
            assertThat(cache.length(0)).isEqualTo(2);
            for (int i = 2; i < t; i++) {
                float[] got = new float[cfg.vocab()];
                be.copyToHost(dec.decodeStep(new Graph(be, arena, false), ids[i], cache).value(), got);
                for (int v = 0; v < cfg.vocab(); v++) {
                    assertThat(got[v]).as("after truncate: position %d logit %d", i, v)
                            .isCloseTo(expected[i * cfg.vocab() + v], org.assertj.core.data.Offset.offset(2e-5f));
                }
            }
            assertThatThrownBy(() -> cache.truncate(t + 1)).hasMessageContaining("truncate: expected a position in [0, "
                    + t + "]");
            KvCache tiny = new KvCache(be, cfg, 1);
            dec.decodeStep(new Graph(be, arena, false), ids[0], tiny);
            assertThatThrownBy(() -> dec.decodeStep(new Graph(be, arena, false), ids[1], tiny))
                    .hasMessageContaining("KV cache is full (1 positions)");
        }
    }

    @Test
    void layerNormModuleGradientsMatchFiniteDifferences() {
        int rows = 3;
        int cols = 10;
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[rows * cols];
        float[] w = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-2, 2);
            w[i] = (float) r.nextDouble(-1, 1);
        }
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Parameters params = new Parameters();
            LayerNorm ln = new LayerNorm(params, "ln", cols, 1e-5f);
            params.allocate(be, 1);
            assertThat(ln.parameterNames()).containsExactly("ln.weight", "ln.bias");
            be.copyFromHost(new float[]{1.5f, 0.5f, 1, 1, 2, 1, 0.7f, 1, 1, 1.2f}, params.get("ln.weight").value());
            Tensor tx = be.allocate(DType.F32, Shape.of(rows, cols));
            be.copyFromHost(x, tx);
            Graph g = new Graph(be, arena, true);
            Var in = g.variable(tx);
            Var out = ln.forward(g, in);
            Tensor seed = be.allocate(DType.F32, Shape.of(rows, cols));
            be.copyFromHost(w, seed);
            g.seed(out, seed);
            g.backward();
            float[] dx = new float[x.length];
            be.copyToHost(in.grad(), dx);
            float[] gain = new float[cols];
            be.copyToHost(params.get("ln.weight").value(), gain);
            double[] gd = Reference.d(gain);
            double[] bias = new double[cols];
            double[] wd = Reference.d(w);
            double[] xd = Reference.d(x);
            int[] all = new int[x.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            double[] num = Reference.numericGradient(v -> Reference.weighted(Reference.layerNorm(v, gd, bias, 1e-5, rows, cols),
                    wd), xd, all, 1e-5);
            for (int i = 0; i < all.length; i++) {
                assertThat((double) dx[i]).as("dx[%d]", i).isCloseTo(num[i], org.assertj.core.data.Offset.offset(1e-4 + 2e-3 * Math.abs(num[i])));
            }
            float[] dBias = new float[cols];
            be.copyToHost(params.get("ln.bias").grad(), dBias);
            for (int c = 0; c < cols; c++) {
                double expect = 0;
                for (int rr = 0; rr < rows; rr++) {
                    expect += w[rr * cols + c];
                }
                assertThat((double) dBias[c]).isCloseTo(expect, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    /** A prompt prefilled in one causal pass leaves the cache and logits one decode step per token would. */
    @Test
    void prefillingAPromptEqualsDecodingItTokenByToken() {
        DecoderConfig cfg = new DecoderConfig(23, 32, 2, 4, 48, 10000f, 1e-5f, NormPlacement.PRE, false, 0f, 0.3f);
        int[] ids = new SplittableRandom(8).ints(9, 0, cfg.vocab()).toArray();
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 5);
            KvCache one = new KvCache(be, cfg, 12);
            float[] stepwise = new float[cfg.vocab()];
            for (int id : ids) {
                be.copyToHost(dec.decodeStep(new Graph(be, arena, false), id, one).value(), stepwise);
            }
            KvCache all = new KvCache(be, cfg, 12);
            float[] prefilled = new float[cfg.vocab()];
            be.copyToHost(dec.prefill(new Graph(be, arena, false), ids, io.fusion4j.api.data.Modality.TEXT, all,
                    io.fusion4j.api.router.RoutingMode.BATCH).value(), prefilled);
            assertThat(all.position()).isEqualTo(ids.length);
            for (int v = 0; v < cfg.vocab(); v++) {
                assertThat(prefilled[v]).isCloseTo(stepwise[v], org.assertj.core.data.Offset.offset(2e-5f));
            }
            // The next token sees the same cache either way.
            float[] a = new float[cfg.vocab()];
            float[] b = new float[cfg.vocab()];
            be.copyToHost(dec.decodeStep(new Graph(be, arena, false), 3, one).value(), a);
            be.copyToHost(dec.decodeStep(new Graph(be, arena, false), 3, all).value(), b);
            for (int v = 0; v < cfg.vocab(); v++) {
                assertThat(b[v]).isCloseTo(a[v], org.assertj.core.data.Offset.offset(2e-5f));
            }
        }
    }
}
