package io.fusion4j.eval.models;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.Objective;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.MomaModel;

import java.util.List;
import java.util.Map;
import io.fusion4j.transfusion.TransfusionConfig;
import io.fusion4j.transfusion.TransfusionModel;
import io.fusion4j.transfusion.TransfusionObjective;
import java.util.Set;
import java.util.stream.Collectors;

/** The model kinds the CLI knows, each a {@link ModelBuilder}; routers are those found on the module path. */
public final class Models {
    private final List<ModelBuilder> builders;

    public Models(List<ModelBuilder> builders) {
        this.builders = List.copyOf(builders);
    }

    /** The dense decoder and the MoMa family, with routers from {@code routers}. */
    public static Models standard(Routers routers) {
        return new Models(List.of(new DenseBuilder(), new MomaBuilder(routers), new TransfusionBuilder(routers)));
    }

    /** The Transfusion model a decoder from {@link #builder}'s {@code decoder} belongs to. */
    public TransfusionModel transfusion(Decoder decoder) {
        for (ModelBuilder b : builders) {
            if (b instanceof TransfusionBuilder t) {
                return t.model(decoder);
            }
        }
        throw new IllegalStateException("no transfusion builder");
    }

    public ModelBuilder builder(ModelConfig c) {
        for (ModelBuilder b : builders) {
            if (b.kind().equals(c.kind())) {
                return b;
            }
        }
        throw new UserInputException("model kind '" + c.kind() + "' cannot be trained here; trainable kinds: "
                + builders.stream().map(ModelBuilder::kind).collect(Collectors.joining(", ")));
    }

    /** The dense text decoder: one loss term, {@code lm}. */
    static final class DenseBuilder implements ModelBuilder {
        @Override
        public String kind() {
            return DecoderConfig.KIND;
        }

        @Override
        public Decoder decoder(ModelConfig config) {
            return new Decoder((DecoderConfig) config);
        }

        @Override
        public Objective<MixedBatch> objective(Decoder decoder) {
            return new NextTokenObjective(decoder);
        }

        @Override
        public String whyNotCausal(ModelConfig config) {
            return null;
        }
    }

    /** The MoMa family: the loss also split into text and image terms. */
    static final class MomaBuilder implements ModelBuilder {
        private final Routers routers;

        MomaBuilder(Routers routers) {
            this.routers = routers;
        }

        @Override
        public String kind() {
            return MomaConfig.KIND;
        }

        @Override
        public Decoder decoder(ModelConfig config) {
            MomaConfig c = (MomaConfig) config;
            if (c.router() != null) {
                routers.check(c.router());
            }
            if (c.depth() != null) {
                routers.check(c.depth().router());
            }
            return MomaModel.build(c, routers);
        }

        @Override
        public Objective<MixedBatch> objective(Decoder decoder) {
            return new NextTokenObjective(decoder, Set.of(Modality.TEXT, Modality.IMAGE));
        }

        @Override
        public String whyNotCausal(ModelConfig config) {
            MomaConfig c = (MomaConfig) config;
            if (c.depth() != null) {
                return "its mixture-of-depths layers rank each token against later ones";
            }
            if (c.router() != null && !causalSpec(c.router(), c.experts())) {
                return "its router '" + c.router().name() + "' routes each token depending on later ones";
            }
            return null;
        }

        private boolean causalSpec(RouterSpec s, int experts) {
            // A throwaway router answers; its parameters are only declared, never allocated.
            var params = new io.fusion4j.api.autograd.Parameters();
            return routers.create(s, new io.fusion4j.api.router.RouterContext(params, "probe", 8, experts, 0, 0.02f,
                    routers)).causal();
        }
    }

    /**
     * Transfusion: the trunk decoder carries the patch and time modules' parameters too; the objective needs the model
     * those belong to, so the builder remembers which model each decoder it built is part of.
     */
    static final class TransfusionBuilder implements ModelBuilder {
        private final Routers routers;
        private final Map<Decoder, TransfusionModel> built = java.util.Collections.synchronizedMap(
                new java.util.WeakHashMap<>());

        TransfusionBuilder(Routers routers) {
            this.routers = routers;
        }

        @Override
        public String kind() {
            return TransfusionConfig.KIND;
        }

        @Override
        public Decoder decoder(ModelConfig config) {
            TransfusionConfig c = (TransfusionConfig) config;
            if (c.trunk().router() != null) {
                routers.check(c.trunk().router());
            }
            TransfusionModel m = TransfusionModel.build(c, routers);
            built.put(m.decoder(), m);
            return m.decoder();
        }

        /** The model {@code decoder} belongs to (built by this builder). */
        TransfusionModel model(Decoder decoder) {
            TransfusionModel m = built.get(decoder);
            if (m == null) {
                throw new IllegalArgumentException("this decoder was not built by the transfusion builder");
            }
            return m;
        }

        @Override
        public Objective<MixedBatch> objective(Decoder decoder) {
            return new TransfusionObjective(model(decoder));
        }

        @Override
        public String whyNotCausal(ModelConfig config) {
            return null;
        }

        @Override
        public boolean continuousImages() {
            return true;
        }

        @Override
        public ModelConfig fitImages(ModelConfig config, int width, int patchSize) {
            return ((TransfusionConfig) config).withPatches(width, patchSize);
        }
    }
}
