package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.StepLosses;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The dense decoder's gradient over a batch with padding and ignored targets is the same in 1, 2 and 4 micro-batches,
 * although the micro-batches hold different numbers of targets; and its loss is the mean over all counted targets.
 */
class MicroBatchTest {
    @Test
    void unevenMicroBatchesAccumulateTheFullBatchGradient() {
        DecoderConfig cfg = new DecoderConfig(17, 16, 2, 2, 24, 10000f, 1e-5f, NormPlacement.PRE, false, 1e-3f, 0.2f);
        int b = 4;
        int t = 6;
        SplittableRandom r = new SplittableRandom(3);
        int[] ids = r.ints(b * t, 0, cfg.vocab()).toArray();
        int[] tg = r.ints(b * t, 0, cfg.vocab()).toArray();
        tg[3] = MixedBatch.IGNORE;
        tg[7] = MixedBatch.IGNORE;
        tg[8] = MixedBatch.IGNORE;
        MixedBatch full = MixedBatch.textOnly(b, t, ids, tg, DataPosition.START);
        int[] valid = {6, 2, 5, 6}; // rows 1 and 2 end in padding
        MixedBatch batch = new MixedBatch(b, t, ids, tg, full.modality(), full.targetModality(), valid,
                new int[b][0], List.of(), null, 0, DataPosition.START);
        assertThat(batch.microBatch(0, 2).targetCount()).isNotEqualTo(batch.microBatch(1, 2).targetCount());
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            float[][] grads = new float[3][];
            StepLosses[] losses = new StepLosses[3];
            int[] micro = {1, 2, 4};
            for (int i = 0; i < 3; i++) {
                Decoder dec = new Decoder(cfg);
                dec.parameters().allocate(be, 5);
                TrainConfig c = new TrainConfig(b, t, 1, 1e-3, 1e-4, 0, 0f, 0, 0.9f, 0.95f, 1e-8f, 5, 1, 2, micro[i], 0, 0);
                Trainer<MixedBatch> trainer = new Trainer<>(be, dec.parameters(), new NextTokenObjective(dec),
                        p -> Stream.of(batch), List.of(), c, null, "{}");
                losses[i] = trainer.computeGradients(batch, 1, arena);
                grads[i] = new float[(int) dec.parameters().count()];
                be.copyToHost(dec.parameters().grads(), grads[i]);
            }
            double scale = 0;
            for (float g : grads[0]) {
                scale = Math.max(scale, Math.abs(g));
            }
            assertThat(scale).isPositive();
            for (int i = 1; i < 3; i++) {
                for (int k = 0; k < grads[0].length; k++) {
                    assertThat((double) grads[i][k]).as("%d micro-batches, gradient %d", micro[i], k)
                            .isCloseTo(grads[0][k], org.assertj.core.data.Offset.offset(1e-6 * scale));
                }
                assertThat(losses[i].total()).isCloseTo(losses[0].total(), org.assertj.core.data.Offset.offset(1e-9));
            }
            assertThat(losses[0].term(NextTokenObjective.TERM).count()).isEqualTo(batch.targetCount()).isEqualTo(17);
        }
    }
}
