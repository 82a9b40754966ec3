package io.fusion4j.api.router;

import io.fusion4j.api.UserInputException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds routers with {@link ServiceLoader} and builds one from a {@link RouterSpec}: the provider is chosen by name,
 * its options are checked, and an unknown name or a bad option is an error that lists what exists. Two providers of
 * one name are an error too: which one a config meant would depend on the module path's order.
 */
public final class Routers {
    private final List<RouterProvider> providers;

    public Routers(List<RouterProvider> providers) {
        List<RouterProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparing(RouterProvider::name));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                throw new IllegalStateException("two router providers are named '" + sorted.get(i).name() + "': "
                        + sorted.get(i - 1).getClass().getName() + " and " + sorted.get(i).getClass().getName());
            }
        }
        this.providers = List.copyOf(sorted);
    }

    /** The providers visible to the api module's {@link ServiceLoader}. */
    public static Routers discover() {
        List<RouterProvider> found = new ArrayList<>();
        ServiceLoader.load(RouterProvider.class).forEach(found::add);
        return new Routers(found);
    }

    /** Every provider, by name. */
    public List<RouterProvider> providers() {
        return providers;
    }

    /** The provider called {@code name}. */
    public RouterProvider provider(String name) {
        for (RouterProvider p : providers) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new UserInputException("no router named '" + name + "' on the module path; found: " + names()
                + " (`fusion4j routers` lists them with their options)");
    }

    /** Builds the router {@code spec} names with its options checked. */
    public Router create(RouterSpec spec, RouterContext ctx) {
        RouterProvider p = provider(spec.name());
        return p.create(ctx, RouterOptions.check(spec, p.options()));
    }

    /** Checks a spec without building anything: the name exists and the options fit (nested router options too). */
    public void check(RouterSpec spec) {
        RouterProvider p = provider(spec.name());
        RouterOptions o = RouterOptions.check(spec, p.options());
        for (RouterOption opt : p.options()) {
            if (opt.type() == RouterOption.Type.ROUTER) {
                check(o.router(opt.name()));
            }
        }
    }

    public String names() {
        return providers.isEmpty() ? "(none)" : providers.stream().map(RouterProvider::name)
                .collect(Collectors.joining(", "));
    }
}
