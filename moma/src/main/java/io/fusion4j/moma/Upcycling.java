package io.fusion4j.moma;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sparse upcycling (Komatsuzaki et al.; MoMa §4): a trained seed whose feed-forward is dense or one FFN per modality
 * (1t1i) becomes a mixture of experts whose every expert starts as a copy of the FFN it grew from — a text expert
 * from the text FFN, an image expert from the image FFN, any expert from a dense FFN — with fresh routers and
 * Gumbel-sigmoid noise on in the upcycled stage (moma.md §10.5). Everything else (embedding, attention, norms, depth
 * routers, head) is copied as is, so the layers and the depth layout must be the seed's.
 */
public final class Upcycling {
    private static final Pattern EXPERT = Pattern.compile("(layers\\.\\d+\\.ffn)\\.experts\\.(?:(text|image)\\.)?\\d+\\.(w[123])");
    private static final Pattern ROUTER = Pattern.compile("layers\\.\\d+\\.ffn\\.router(\\..+)?");

    private Upcycling() {
    }

    /**
     * The upcycled model: {@code variant}'s feed-forward (experts and router, as {@link MomaVariants} builds it) on
     * the seed's base and depth layout, with training noise turned on in every expert-choice router.
     */
    public static MomaConfig target(MomaConfig seed, String variant, int seqLen, Routers routers) {
        MomaConfig v = MomaVariants.of(variant, seed.base(), seqLen, routers);
        if ((v.depth() != null) != (seed.depth() != null)) {
            throw new UserInputException("upcycle: variant " + variant + (v.depth() != null ? " has" : " has no")
                    + " mixture-of-depths but the seed " + (seed.depth() != null ? "has" : "has none") + "; upcycling"
                    + " keeps the seed's layers (upcycle mod-moma-1t1i into mod-moma-{m}t{n}i)");
        }
        if (v.experts() <= seed.experts()) {
            throw new UserInputException("upcycle: variant " + variant + " has " + v.experts() + " experts a layer, the"
                    + " seed " + seed.experts() + "; upcycling grows experts from the seed's feed-forward");
        }
        ffnKind(seed);
        if (seed.experts() == 2 && !v.router().name().equals(ModalityProvider.NAME)) {
            throw new UserInputException("upcycle: a seed with one FFN per modality can only grow into modality expert"
                    + " groups (moma-{m}t{n}i); " + variant + " mixes the modalities");
        }
        return new MomaConfig(seed.base(), v.experts(), withNoise(v.router(), routers), seed.depth());
    }

    /** Dense (1 expert) or 1t1i (2 experts under {@code modality}, one per group): the seeds upcycling starts from. */
    private static String ffnKind(MomaConfig seed) {
        if (seed.experts() == 1) {
            return "dense";
        }
        if (seed.experts() == 2 && seed.router().name().equals(ModalityProvider.NAME)) {
            return "1t1i";
        }
        throw new UserInputException("upcycle: the seed must have a dense feed-forward or one FFN per modality (1t1i);"
                + " it has " + seed.experts() + " experts behind " + seed.router());
    }

    /** {@code spec} with {@code noise: true} wherever an expert-choice router sits in it. */
    static RouterSpec withNoise(RouterSpec spec, Routers routers) {
        if (spec.name().equals(ExpertChoiceProvider.NAME)) {
            return spec.with("noise", true);
        }
        RouterProvider p = routers.provider(spec.name());
        RouterOptions o = RouterOptions.check(spec, p.options());
        Map<String, Object> opts = new LinkedHashMap<>(spec.options());
        for (RouterOption opt : p.options()) {
            if (opt.type() == RouterOption.Type.ROUTER) {
                opts.put(opt.name(), withNoise(o.router(opt.name()), routers));
            }
        }
        return new RouterSpec(spec.name(), opts);
    }

    /**
     * Which seed tensor each parameter of {@code target} loads: an expert's weights from the seed's FFN it grows from,
     * routers nothing (they keep their fresh initialisation), every other parameter its own name.
     */
    public static NameMapping mapping(MomaConfig seed) {
        boolean dense = ffnKind(seed).equals("dense");
        return t -> {
            if (ROUTER.matcher(t).matches()) {
                return Optional.empty();
            }
            Matcher m = EXPERT.matcher(t);
            if (!m.matches()) {
                return Optional.of(t);
            }
            if (dense) {
                return Optional.of(m.group(1) + "." + m.group(3));
            }
            return Optional.of(m.group(1) + ".experts." + m.group(2) + ".0." + m.group(3));
        };
    }
}
