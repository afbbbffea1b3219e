namespace Cic.Notifications.Email;

public static class EmailExtensions
{
    /// <summary>The SMTP server (<c>Smtp</c> section), the sender's retry settings (<c>Email</c>) and the sender itself.</summary>
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpOptions>().BindConfiguration("Smtp")
            .Validate(smtp => string.IsNullOrWhiteSpace(smtp.Host) || (smtp.From is not null && MimeKit.MailboxAddress.TryParse(smtp.From, out _)),
                "Smtp:From must be a sender address such as 'CIC Billing <billing@cic.example>' when Smtp:Host is set.")
            .Validate(smtp => smtp.Port is > 0 and < 65536, "Smtp:Port must be a TCP port.")
            .ValidateOnStart();
        builder.Services.AddOptions<EmailOptions>().BindConfiguration("Email")
            .ValidateDataAnnotations()
            .Validate(email => email.PollInterval > TimeSpan.Zero && email.RetryBaseDelay > TimeSpan.Zero && email.MaxRetryDelay >= email.RetryBaseDelay,
                "Email:PollInterval and Email:RetryBaseDelay must be positive, and Email:MaxRetryDelay at least Email:RetryBaseDelay.")
            .ValidateOnStart();
        builder.Services.AddHostedService<EmailSender>();
        return builder;
    }
}
