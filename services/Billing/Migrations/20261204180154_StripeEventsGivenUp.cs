using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Billing.Migrations
{
    /// <inheritdoc />
    public partial class StripeEventsGivenUp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stripe_events_unprocessed",
                table: "stripe_events");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "failed_at",
                table: "stripe_events",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_stripe_events_unprocessed",
                table: "stripe_events",
                column: "next_attempt_at",
                filter: "processed_at IS NULL AND failed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_stripe_events_unprocessed",
                table: "stripe_events");

            migrationBuilder.DropColumn(
                name: "failed_at",
                table: "stripe_events");

            migrationBuilder.CreateIndex(
                name: "ix_stripe_events_unprocessed",
                table: "stripe_events",
                column: "next_attempt_at",
                filter: "processed_at IS NULL");
        }
    }
}
