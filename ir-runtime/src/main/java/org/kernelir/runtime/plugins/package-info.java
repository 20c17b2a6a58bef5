/**
 * Where providers come from: the application class path ({@link org.kernelir.runtime.plugins.ClasspathProviders},
 * with {@link java.util.ServiceLoader}) and the plugins folder ({@link org.kernelir.runtime.plugins.PluginHost},
 * with PF4J, one class loader per plugin). The same provider JAR works in both places and needs no PF4J type.
 *
 * <p>Every provider and plugin JAR gets a status ({@link org.kernelir.runtime.plugins.ProviderStatus},
 * {@link org.kernelir.runtime.plugins.PluginStatus}); a failure is logged once and never stops the others.
 */
package org.kernelir.runtime.plugins;
