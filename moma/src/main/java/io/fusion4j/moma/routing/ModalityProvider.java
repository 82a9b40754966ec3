package io.fusion4j.moma.routing;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.RouterSpec;

import java.util.List;

/**
 * {@code modality}: text experts and image experts, a sub-router in each group ({@link ModalityRouter}). Sub-router
 * parameters are {@code <prefix>.text} and {@code <prefix>.image} ({@code layers.3.ffn.router.image}).
 */
public final class ModalityProvider implements RouterProvider {
    public static final String NAME = "modality";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "hard split by the input token's modality into text and image expert groups, a sub-router in each (MoMa)";
    }

    @Override
    public List<RouterOption> options() {
        return List.of(
                RouterOption.integer("text", 0, "experts in the text group (0 = half, rounded up); the rest are image experts"),
                RouterOption.router("textRouter", RouterSpec.of(ExpertChoiceProvider.NAME), "routes inside the text group"),
                RouterOption.router("imageRouter", RouterSpec.of(ExpertChoiceProvider.NAME), "routes inside the image group"));
    }

    /** Experts of the text group out of {@code experts}: option {@code text}, or half rounded up when it is 0. */
    public static int textExperts(RouterOptions o, int experts) {
        return o.integer("text") == 0 ? (experts + 1) / 2 : o.integer("text");
    }

    @Override
    public Router create(RouterContext ctx, RouterOptions o) {
        int e = ctx.experts();
        int text = textExperts(o, e);
        if (e < 2 || text < 1 || text >= e) {
            throw new UserInputException("router 'modality' needs at least one text and one image expert: " + e
                    + " experts with option 'text' = " + o.integer("text") + " leaves " + text + " text and "
                    + (e - text) + " image experts");
        }
        int[] sizes = {text, e - text};
        String[] names = {"text", "image"};
        RouterSpec[] specs = {o.router("textRouter"), o.router("imageRouter")};
        Router[] sub = new Router[2];
        for (int i = 0; i < 2; i++) {
            if (sizes[i] > 1) {
                sub[i] = ctx.routers().create(specs[i], ctx.child(names[i], sizes[i], i + 1));
                if (sub[i].experts() != sizes[i]) {
                    throw new UserInputException("router 'modality': its " + names[i] + " router '" + specs[i].name()
                            + "' routes to " + sub[i].experts() + " experts, the group has " + sizes[i]);
                }
            }
        }
        return new ModalityRouter(ctx.prefix(), sizes, sub);
    }
}
