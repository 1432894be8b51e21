import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../../notifications/device-platforms';
import { DEVICE_LOCALES, type DeviceLocale } from '../../notifications/device-platforms';

/** POST /app/v1/devices. Shape only: DeviceRegistry holds the rules (platform, token format, locale). */
export class RegisterDeviceDto {
  @ApiProperty({ enum: DEVICE_PLATFORMS }) @IsString() platform: DevicePlatform;
  @ApiProperty({ description: "FCM token, APNs token, Web Push subscription JSON, or any id for 'sse'" }) @IsString() pushToken: string;
  @ApiPropertyOptional({ enum: DEVICE_LOCALES, description: 'Absent means en' }) @IsOptional() @IsString() locale?: DeviceLocale;
}
