using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cic.ServiceDefaults;

/// <summary>
/// The one way a service reads its settings: a <c>…Options</c> class bound to a named configuration section and
/// checked when the service starts, so a bad value (a zero interval, a batch of 0) stops the start with a message
/// naming the setting, instead of a busy loop or a failure at first use.
/// </summary>
public static class SectionOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it at start: its
    /// DataAnnotations, and any rule added to the returned builder with <c>.Validate(…)</c>.
    /// </summary>
    public static OptionsBuilder<TOptions> AddSectionOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}

/// <summary>A <see cref="TimeSpan"/> setting that must be longer than zero (an interval, a delay, a timeout).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PositiveDurationAttribute() : ValidationAttribute("{0} must be a positive duration, such as 00:00:05.")
{
    public override bool IsValid(object? value) => value is not TimeSpan duration || duration > TimeSpan.Zero;
}
