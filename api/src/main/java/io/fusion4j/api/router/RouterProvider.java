package io.fusion4j.api.router;

import java.util.List;

/**
 * Service-provider interface of a router, found with {@link java.util.ServiceLoader}: a router jar declares
 * {@code provides io.fusion4j.api.router.RouterProvider with ...} in its {@code module-info.java}, and a model config
 * names it ({@code "router": {"name": "expert-choice", "options": {"capacity": 1.0}}}).
 *
 * <p>Contract: {@link #name()} is short, unique and lower-case; {@link #options()} declares every option {@link #create}
 * reads, with its type and default; {@link #create} receives options already checked against them.
 */
public interface RouterProvider {
    /** Name used in configs, e.g. {@code "expert-choice"}. */
    String name();

    /** One line for {@code fusion4j routers}. */
    String description();

    /** The options this router accepts. */
    List<RouterOption> options();

    /** Builds the router, declaring its parameters under {@code ctx.prefix()}. */
    Router create(RouterContext ctx, RouterOptions options);
}
