/**
 * What an application embeds: the {@link org.kernelir.runtime.KernelIr} facade, which puts together the ops, the
 * providers (class path, plugins folder, code), dispatch and the replacement cache.
 */
package org.kernelir.runtime;
