package io.fusion4j.api.train;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The decoder's objective: mean next-token cross-entropy (plus the config's z-loss) over every position whose
 * target is not ignored, as the single trained term {@value #TERM}. A mixed-modal model also reports the same loss
 * split by the <em>target</em> token's modality (moma.md §10.8: predicting BOI counts as text, image codes as image),
 * as terms {@code text} and {@code image} of weight 0: measured exactly over the whole batch, trained through
 * {@value #TERM} only.
 */
public final class NextTokenObjective implements Objective<MixedBatch> {
    /** The name of the loss term. */
    public static final String TERM = "lm";
    private final Decoder decoder;
    private final Set<Modality> reported;
    private final RoutingMode routing;

    /** A text model: the single term {@value #TERM}. */
    public NextTokenObjective(Decoder decoder) {
        this(decoder, Set.of());
    }

    /** Also reports the loss of each modality in {@code reported} as a term named by the modality. */
    public NextTokenObjective(Decoder decoder, Set<Modality> reported) {
        this(decoder, reported, RoutingMode.BATCH);
    }

    private NextTokenObjective(Decoder decoder, Set<Modality> reported, RoutingMode routing) {
        this.decoder = decoder;
        this.reported = Set.copyOf(reported);
        this.routing = routing;
    }

    /** The same objective with the model's routers deciding by {@code mode} (validation with causal routing). */
    public NextTokenObjective routedBy(RoutingMode mode) {
        return new NextTokenObjective(decoder, reported, mode);
    }

    /** The report-only term of modality {@code m}: {@code "text"}, {@code "image"}. */
    public static String term(Modality m) {
        return m.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Map<String, Long> counts(MixedBatch batch) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(TERM, batch.targetCount());
        for (Modality x : Modality.values()) {
            if (reported.contains(x)) {
                m.put(term(x), batch.targetCount(x));
            }
        }
        return m;
    }

    @Override
    public void step(StepContext ctx, MixedBatch b) {
        Graph g = ctx.graph();
        TokenMeta tokens = TokenMeta.upload(g.backend(), g.arena(), b, false);
        Tensor targets = g.arena().allocate(DType.I32, Shape.of((long) b.rows() * b.length()));
        g.backend().copyFromHost(b.targetsFor(null), targets);
        ForwardPass pass = new ForwardPass(g, tokens, ctx.losses(),
                ctx.training() ? new ForwardPass.Noise(ctx.randomKey(), ctx.randomOffset(NOISE_STREAM)) : null, routing);
        float scale = ctx.losses().gradScale(TERM, 1);
        if (reported.isEmpty()) {
            ctx.losses().loss(TERM, 1, g.crossEntropySum(decoder.logits(pass), targets, decoder.config().zLoss(), scale));
            return;
        }
        int[] group = new int[b.targetModality().length];
        for (int i = 0; i < group.length; i++) {
            group[i] = Math.max(0, b.targetModality()[i]);
        }
        LossValue[] split = new LossValue[Modality.values().length];
        LossValue v = g.crossEntropySum(decoder.logits(pass), targets, decoder.config().zLoss(), scale, group, split);
        ctx.losses().loss(TERM, 1, v);
        for (Modality m : Modality.values()) {
            if (reported.contains(m)) {
                ctx.losses().loss(term(m), 0, split[m.ordinal()]);
            }
        }
    }

    /** The random stream of layers' training noise (Gumbel routers); other objectives use other streams. */
    public static final int NOISE_STREAM = 8;
}
