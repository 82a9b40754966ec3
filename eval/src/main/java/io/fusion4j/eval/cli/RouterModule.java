package io.fusion4j.eval.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.Routers;

import java.util.ArrayList;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Binds every {@link RouterProvider} found with {@link ServiceLoader} into a {@code MapBinder<String, RouterProvider>}
 * by name, and the {@link Routers} registry over them. Only the composition root uses it; library code takes a
 * {@link Routers} in its constructor.
 */
public final class RouterModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder<String, RouterProvider> byName = MapBinder.newMapBinder(binder(), String.class, RouterProvider.class);
        // A second provider of one name fails the injector here, with both named (MapBinder refuses duplicate keys).
        java.util.Map<String, RouterProvider> seen = new java.util.HashMap<>();
        for (RouterProvider p : ServiceLoader.load(RouterProvider.class, RouterModule.class.getClassLoader())) {
            RouterProvider before = seen.putIfAbsent(p.name(), p);
            if (before != null) {
                throw new io.fusion4j.api.UserInputException("two routers are named '" + p.name() + "': "
                        + where(before) + " and " + where(p) + "; remove one jar from the module path");
            }
            byName.addBinding(p.name()).toInstance(p);
        }
    }

    private static String where(RouterProvider p) {
        Module m = p.getClass().getModule();
        return p.getClass().getName() + " (" + (m.isNamed() ? "module " + m.getName() : "class path") + ")";
    }

    @Provides
    @Singleton
    Routers routers(Map<String, RouterProvider> byName) {
        return new Routers(new ArrayList<>(byName.values()));
    }

    /** The routers on the module path, through this module. */
    static Routers routers() {
        return Guice.createInjector(new RouterModule()).getInstance(Routers.class);
    }
}
