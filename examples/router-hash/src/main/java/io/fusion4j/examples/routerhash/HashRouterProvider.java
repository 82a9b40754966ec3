package io.fusion4j.examples.routerhash;

import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;

import java.util.List;

/**
 * {@code hash}: each token goes to the one expert its token id hashes to ({@link HashRouter}). Found by
 * {@link java.util.ServiceLoader} through this module's {@code provides}; it needs a public no-argument constructor
 * and nothing else, and its package need not be exported.
 */
public final class HashRouterProvider implements RouterProvider {
    public static final String NAME = "hash";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "each token goes to expert ((id + salt) * 2654435761) mod E, no gate and no parameters (an example"
                + " router from outside fusion4j)";
    }

    @Override
    public List<RouterOption> options() {
        return List.of(RouterOption.integer("salt", 0, "added to the token id before hashing"));
    }

    @Override
    public Router create(RouterContext ctx, RouterOptions options) {
        // Options arrive checked against options(): salt is an int, 0 when the config leaves it out.
        return new HashRouter(ctx.prefix(), ctx.experts(), options.integer("salt"));
    }
}
